/**
 * Line and token scanners for the text mesh formats (OFF, ASCII PLY, ASCII STL, OBJ). They walk
 * one decoded string with indexOf, so a large file makes no array of lines.
 */
import { InrError } from '../../core/errors';

const WS = /\s+/;

/** The lines of a text, one at a time, with their 1-based numbers for error messages. */
export class LineReader {
  private pos = 0;
  line = 0;
  constructor(private readonly text: string) {}

  /** The next raw line (without its end-of-line characters), or undefined at the end. */
  next(): string | undefined {
    if (this.pos >= this.text.length) return undefined;
    let end = this.text.indexOf('\n', this.pos);
    if (end < 0) end = this.text.length;
    let s = this.text.slice(this.pos, end);
    if (s.endsWith('\r')) s = s.slice(0, -1);
    this.pos = end + 1;
    this.line++;
    return s;
  }

  /**
   * The tokens of the next line that holds any, with `#` comments removed (`onComment` sees
   * their text), or undefined at the end.
   */
  nextTokens(onComment?: (comment: string) => void): string[] | undefined {
    for (;;) {
      let s = this.next();
      if (s === undefined) return undefined;
      const hash = s.indexOf('#');
      if (hash >= 0) {
        onComment?.(s.slice(hash + 1));
        s = s.slice(0, hash);
      }
      s = s.trim();
      if (s) return s.split(WS);
    }
  }

  /** Bytes (characters) not read yet. */
  remaining(): number {
    return Math.max(0, this.text.length - this.pos);
  }
}

/** Whitespace-separated tokens across lines (ASCII PLY bodies, ASCII STL). */
export class TokenReader {
  private pos = 0;
  constructor(private readonly text: string) {}

  next(): string | undefined {
    const t = this.text;
    let i = this.pos;
    while (i < t.length && t.charCodeAt(i) <= 32) i++;
    if (i >= t.length) {
      this.pos = i;
      return undefined;
    }
    let j = i;
    while (j < t.length && t.charCodeAt(j) > 32) j++;
    this.pos = j;
    return t.slice(i, j);
  }

  remaining(): number {
    return Math.max(0, this.text.length - this.pos);
  }
}

/** The longest text a JS string can hold here (V8: about 2²⁹ characters). */
const MAX_TEXT_BYTES = 2 ** 29 - 64;

/** Decode bytes as text (UTF-8; mesh text formats are ASCII in practice). */
export function decodeText(bytes: Uint8Array): string {
  if (bytes.length > MAX_TEXT_BYTES) {
    throw new InrError(
      'E_TOO_LARGE',
      `a text mesh of ${(bytes.length / 2 ** 20).toFixed(0)} MB is over the ${MAX_TEXT_BYTES >> 20} MB a text file may have here: save it as binary PLY or STL`,
    );
  }
  return new TextDecoder('utf-8').decode(bytes);
}
