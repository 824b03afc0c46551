// Run progress on stderr: a bar redrawn in place on a terminal, plain lines otherwise (one per
// phase, one per tenth of the apply, one per failed action and warning), so logs stay readable.

import type { EngineEvent, Phase } from "../types.js";
import type { Style } from "./style.js";
import { printable } from "./table.js";

const LABELS: Record<Phase, string> = {
  discover: "discovering",
  listUsers: "listing users",
  listGroups: "listing groups",
  plan: "planning",
  apply: "applying",
  done: "done",
};

const BAR_WIDTH = 28;
/** Redraws at most this often (a large run reports thousands of steps). */
const REDRAW_MS = 50;

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class Progress {
  readonly #out: ProgressStream;
  readonly #style: Style;
  readonly #tty: boolean;
  #phase: Phase | null = null;
  #tenth = -1;
  #drawn = false;
  #drawnAt = 0;

  constructor(out: ProgressStream, style: Style) {
    this.#out = out;
    this.#style = style;
    this.#tty = out.isTTY === true;
  }

  /** The callback for the facade's `onProgress`. */
  readonly onEvent = (event: EngineEvent): void => {
    switch (event.type) {
      case "progress":
        this.#progress(event.phase, event.done, event.total);
        break;
      case "actionDone":
        if (event.outcome.result.status === "failed") {
          this.#line(this.#style.red(`  failed: ${event.outcome.kind} ${printable(event.outcome.subject)}`));
        }
        break;
      case "warning":
        this.#line(this.#style.yellow(`  warning: ${printable(event.message)}`));
        break;
      case "planned":
        break;
    }
  };

  /** Clears the bar; call before printing anything else to the same terminal. */
  clear(): void {
    if (this.#drawn) this.#out.write("\r\u001b[K");
    this.#drawn = false;
  }

  #progress(phase: Phase, done: number, total: number): void {
    if (phase === "done") return this.clear();
    if (this.#tty) {
      const now = Date.now();
      if (done < total && now - this.#drawnAt < REDRAW_MS && this.#phase === phase) return;
      this.#drawnAt = now;
      this.#phase = phase;
      const filled = total > 0 ? Math.min(BAR_WIDTH, Math.round((done / total) * BAR_WIDTH)) : 0;
      const bar = this.#style.cyan("█".repeat(filled)) + this.#style.dim("░".repeat(BAR_WIDTH - filled));
      const count = total > 0 ? ` ${done}/${total}` : done > 0 ? ` ${done}` : "";
      this.#out.write(`\r\u001b[K  ${LABELS[phase].padEnd(15)} ${bar}${count}`);
      this.#drawn = true;
      return;
    }
    if (phase !== this.#phase) {
      this.#phase = phase;
      this.#tenth = -1;
      this.#out.write(`  ${LABELS[phase]}…\n`);
    }
    if (phase === "apply" && total > 0) {
      const tenth = Math.floor((done / total) * 10);
      if (tenth > this.#tenth && done > 0) {
        this.#tenth = tenth;
        this.#out.write(`  applied ${done}/${total}\n`);
      }
    }
  }

  #line(text: string): void {
    this.clear();
    this.#out.write(text + "\n");
  }
}
