// The `report` command's arguments: the output format, the seats (one pool or per license
// type), how license types are told apart, seat prices (amounts typed as 24.00 into the
// cents the core takes) and the earlier report to compare with. Only the flags' syntax is
// read here; the core checks what it is given (an earlier report that is not one, for
// instance), and `reportFlagErrors` names the flag or file in its error.

import type { LicenseGroup, LicenseRule } from "../types.js";
import { CliError } from "./inputs.js";

export type ReportFormat = "table" | "json" | "csv" | "html";

/** The report options prices are given in (the core's, in cents). */
export interface Pricing {
  currency?: string;
  pricePerSeat?: number;
  prices?: Record<string, number>;
}

export interface ReportArgs {
  desired: string | undefined;
  format: ReportFormat;
  /** Seats of the one pool (`--seats N`). */
  seats: number | undefined;
  /** License types, from `--license-*` and `--seats TYPE=N,...`, when any is given. */
  licenses: LicenseRule | undefined;
  /** Prices in cents, from `--price-per-seat`, `--price` and `--currency`. */
  pricing: Pricing;
  /** The earlier report's file (`--compare`). */
  compare: string | undefined;
  out: string | undefined;
  bom: boolean;
}

export const REPORT_OPTIONS = {
  desired: { type: "string" },
  format: { type: "string" },
  json: { type: "boolean" },
  csv: { type: "boolean" },
  seats: { type: "string" },
  "license-attribute": { type: "string" },
  "license-group": { type: "string", multiple: true },
  "license-default": { type: "string" },
  "price-per-seat": { type: "string" },
  price: { type: "string" },
  currency: { type: "string" },
  compare: { type: "string" },
  out: { type: "string" },
  bom: { type: "boolean" },
} as const;

/** `NAME=VALUE,NAME=VALUE` as pairs (the value after the last `=`), or a one-line error. */
function pairs(flag: string, text: string, example: string): [string, string][] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const at = part.lastIndexOf("=");
      const name = part.slice(0, at).trim();
      const value = part.slice(at + 1).trim();
      if (at < 0 || name === "" || value === "") throw new CliError(`report: ${flag} takes TYPE=VALUE pairs (for example ${example}), not ${JSON.stringify(part)}`);
      return [name, value];
    });
}

/** An amount typed as `24.00` in cents (2400), by string operations: no float touches it. */
function cents(what: string, text: string): number {
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) throw new CliError(`report: ${what}: not an amount such as 24.00`);
  return Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
}

export function parseReportArgs(values: Record<string, unknown>): ReportArgs {
  const str = (key: string) => values[key] as string | undefined;
  const flag = (key: string) => values[key] === true;
  const format = str("format") ?? (flag("json") ? "json" : flag("csv") ? "csv" : "table");
  if (format !== "table" && format !== "json" && format !== "csv" && format !== "html") {
    throw new CliError(`report: --format must be table, json, csv or html, not ${JSON.stringify(format)}`);
  }
  if ([str("format") !== undefined, flag("json"), flag("csv")].filter(Boolean).length > 1) {
    throw new CliError("report: give one of --format, --json and --csv");
  }

  const seatsText = str("seats");
  let seats: number | undefined;
  let purchased: Record<string, number> | undefined;
  if (seatsText !== undefined && /^\s*\d{1,15}\s*$/.test(seatsText)) {
    seats = Number(seatsText);
  } else if (seatsText !== undefined) {
    if (!seatsText.includes("=")) throw new CliError(`report: --seats must be a whole number or TYPE=N pairs (for example Creator=120,ReadOnly=300), not ${JSON.stringify(seatsText)}`);
    purchased = {};
    for (const [name, count] of pairs("--seats", seatsText, "Creator=120,ReadOnly=300")) {
      if (!/^\d{1,15}$/.test(count)) throw new CliError(`report: --seats ${name}=${count}: the count must be a whole number`);
      if (name in purchased) throw new CliError(`report: --seats names ${JSON.stringify(name)} twice`);
      purchased[name] = Number(count);
    }
  }
  const groups: LicenseGroup[] = ((values["license-group"] as string[] | undefined) ?? []).map((text) => {
    const at = text.lastIndexOf("=");
    if (at <= 0 || at === text.length - 1) {
      throw new CliError(`report: --license-group takes GROUP=TYPE (for example "License: Creator=Creator"), not ${JSON.stringify(text)}`);
    }
    return { group: text.slice(0, at).trim(), license: text.slice(at + 1).trim() };
  });
  const attribute = str("license-attribute");
  const defaultType = str("license-default");
  const licenses: LicenseRule | undefined =
    attribute !== undefined || groups.length > 0 || defaultType !== undefined || purchased !== undefined
      ? { attribute: attribute ?? null, groups, default: defaultType ?? null, purchased: purchased ?? {} }
      : undefined;

  const perSeat = str("price-per-seat");
  const priceText = str("price");
  const currency = str("currency");
  const pricing: Pricing = {};
  if (currency !== undefined) pricing.currency = currency;
  if (perSeat !== undefined) pricing.pricePerSeat = cents(`--price-per-seat ${perSeat}`, perSeat);
  if (priceText !== undefined) {
    pricing.prices = Object.fromEntries(pairs("--price", priceText, "Creator=45,ReadOnly=0").map(([name, amount]) => [name, cents(`--price ${name}=${amount}`, amount)]));
  }
  if (currency !== undefined && perSeat === undefined && priceText === undefined) throw new CliError("report: --currency needs --price-per-seat or --price");
  return { desired: str("desired"), format: format as ReportFormat, seats, licenses, pricing, compare: str("compare"), out: str("out"), bom: flag("bom") };
}
