// Terminal styling for the CLI: colours only on a terminal that wants them (NO_COLOR,
// FORCE_COLOR and TERM=dumb are honoured), through node's own `util.styleText`.

import { styleText } from "node:util";

type Format = Parameters<typeof styleText>[0];

/** Styles text for one output stream; every method is the identity when colour is off. */
export class Style {
  readonly color: boolean;

  constructor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env) {
    this.color = wantsColor(stream, env);
  }

  #apply(format: Format, text: string): string {
    return this.color ? styleText(format, text) : text;
  }

  bold = (text: string): string => this.#apply("bold", text);
  dim = (text: string): string => this.#apply("dim", text);
  green = (text: string): string => this.#apply("green", text);
  yellow = (text: string): string => this.#apply("yellow", text);
  red = (text: string): string => this.#apply("red", text);
  cyan = (text: string): string => this.#apply("cyan", text);
}

function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  return stream.isTTY === true && env.TERM !== "dumb";
}
