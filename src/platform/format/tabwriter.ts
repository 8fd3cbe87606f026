/**
 * Go's text/tabwriter (the algorithm kubectl's tables and `describe` go through): tab-terminated cells
 * are aligned in column blocks of consecutive lines; a line's last cell is not part of a column.
 */
export interface TabwriterOptions {
  minwidth: number;
  padding: number;
}

/** kubectl get/top: printers.GetNewTabWriter (minwidth 6, padding 3). */
export const TABLE: TabwriterOptions = { minwidth: 6, padding: 3 };
/** kubectl describe: tabwriter.NewWriter(out, 0, 8, 2, ' ', 0). */
export const DESCRIBE: TabwriterOptions = { minwidth: 0, padding: 2 };

const width = (s: string) => [...s].length;

export function tabwrite(text: string, options: TabwriterOptions): string {
  const lines = text.split('\n').map((line) => line.split('\t'));
  const widths: number[] = [];
  let out = '';

  const writeLines = (line0: number, line1: number) => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i];
      line.forEach((cell, j) => {
        out += cell;
        if (j < widths.length) out += ' '.repeat(Math.max(0, widths[j] - width(cell)));
      });
      if (i < lines.length - 1) out += '\n';
    }
  };

  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let current = line0; current < line1; current++) {
      if (column >= lines[current].length - 1) continue;
      // A cell in this column starts a block: print what precedes it, then size the block.
      writeLines(line0, current);
      line0 = current;
      let w = options.minwidth;
      for (; current < line1; current++) {
        const line = lines[current];
        if (column >= line.length - 1) break;
        w = Math.max(w, width(line[column]) + options.padding);
      }
      widths.push(w);
      format(line0, current);
      widths.pop();
      line0 = current;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out;
}
