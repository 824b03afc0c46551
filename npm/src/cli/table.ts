// Column alignment for the CLI's text output. Widths count code points of the visible text
// (colour escapes excluded), which is right for the Latin names a directory mostly holds.

const ANSI = /\u001b\[[0-9;]*m/g;

function width(text: string): number {
  let n = 0;
  for (const _ of text.replace(ANSI, "")) n++;
  return n;
}

export type Align = "left" | "right";

/** Rows as lines with columns padded to a common width, joined by two spaces. */
export function table(rows: string[][], align: Align[] = [], indent = "  "): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
  return rows.map((row) => {
    const cells = row.map((cell, i) => {
      if (i === row.length - 1 && align[i] !== "right") return cell;
      const pad = " ".repeat(widths[i]! - width(cell));
      return align[i] === "right" ? pad + cell : cell + pad;
    });
    return indent + cells.join("  ");
  });
}

/** Text made safe for one terminal line: control characters shown as escapes, so a hostile
 * name can neither move the cursor nor forge extra lines. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** "1 user", "2 users". */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
