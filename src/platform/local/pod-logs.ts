/**
 * A pod's captured output: every line of stdout/stderr goes to a bounded in-memory ring (for
 * `logs --tail`) and is appended to a file under the lab's state dir. Lines of the previous run
 * are kept separately for `logs --previous`.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { LogOptions } from '../types.js';

interface Line {
  at: string;
  text: string;
}

export class PodLogs {
  private current: Line[] = [];
  private previous: Line[] = [];
  private readonly file: WriteStream;

  constructor(
    readonly path: string,
    private readonly maxLines = 5000,
  ) {
    this.file = createWriteStream(path, { flags: 'a' });
    this.file.on('error', () => {}); // a full disk must not take the lab down; the ring still works
  }

  /** Called when the container (re)starts: the running lines become the "previous" run. */
  newRun(): void {
    if (this.current.length > 0) this.previous = this.current;
    this.current = [];
  }

  attach(stream: Readable): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const part of parts) this.push(part);
      if (partial.length > 64 * 1024) {
        this.push(partial);
        partial = '';
      }
    });
    stream.on('end', () => {
      if (partial) this.push(partial);
      partial = '';
    });
  }

  push(text: string): void {
    const line = { at: new Date().toISOString(), text: text.replace(/\r$/, '') };
    this.current.push(line);
    if (this.current.length > this.maxLines) this.current.splice(0, this.current.length - this.maxLines);
    this.file.write(line.text + '\n');
  }

  read(options: LogOptions = {}): string[] {
    let lines = options.previous ? this.previous : this.current;
    if (options.since) lines = lines.filter((l) => l.at >= options.since!);
    if (options.tail !== undefined && options.tail >= 0)
      lines = options.tail === 0 ? [] : lines.slice(-options.tail);
    return lines.map((l) => l.text);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.file.end(resolve));
  }
}
