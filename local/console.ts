/**
 * Human-friendly console output of the local stack: plain lines, plus one status line that updates in place
 * on a terminal (or is printed every few seconds when the output is a file or a pipe).
 */

export interface ConsoleOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

const number = new Intl.NumberFormat('en-US');
export const fmt = (n: number): string => number.format(n);

export class StatusConsole {
  private status?: () => string | undefined;
  private timer?: NodeJS.Timeout;
  private shown = false;
  private readonly tty: boolean;

  constructor(
    private readonly out: ConsoleOutput = process.stdout,
    private readonly options: { ttyIntervalMs?: number; plainIntervalMs?: number; quiet?: boolean } = {},
  ) {
    this.tty = Boolean(out.isTTY);
  }

  /** Prints a line (above the status line, which is redrawn). */
  log(line: string): void {
    if (this.options.quiet) return;
    this.clear();
    this.out.write(`${line}\n`);
    this.draw();
  }

  /** Shows `render()` as the status line until `endStatus()`; it is called again at every refresh. */
  startStatus(render: () => string | undefined): void {
    this.status = render;
    if (this.options.quiet || this.timer) return;
    const every = this.tty ? (this.options.ttyIntervalMs ?? 200) : (this.options.plainIntervalMs ?? 5000);
    this.timer = setInterval(() => (this.tty ? this.draw() : this.printPlain()), every);
    this.timer.unref();
    if (this.tty) this.draw();
  }

  /** Stops the status line; `finalLine` (if any) is printed in its place. */
  endStatus(finalLine?: string): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
    this.status = undefined;
    if (finalLine) this.log(finalLine);
  }

  private printPlain(): void {
    const text = this.status?.();
    if (text) this.out.write(`${text}\n`);
  }

  private draw(): void {
    if (!this.tty || !this.status) return;
    const text = this.status();
    if (!text) return;
    this.out.write(`\r\x1b[2K${text}`);
    this.shown = true;
  }

  private clear(): void {
    if (this.shown) {
      this.out.write('\r\x1b[2K');
      this.shown = false;
    }
  }
}
