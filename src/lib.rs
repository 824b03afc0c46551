pub mod filter;
pub mod model;
