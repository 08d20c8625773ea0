/**
 * Makes text safe to print on a terminal: control characters that input may carry (ESC sequences
 * that set the title or clear the screen, CR that overwrites a line, C1 controls such as CSI, and
 * bidi overrides that reorder what is shown) become visible escapes. Every error message passes
 * through here (RewardfitError), so a message that quotes a file's bytes never runs them.
 *
 * @example
 *   escapeControl('bad \u001b]0;owned\u0007 line')   // 'bad \\x1b]0;owned\\x07 line'
 */

// C0 controls (incl. tab and newline: messages are one line), DEL, C1 controls, and the Unicode
// bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069) plus line/paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** `keepNewlines` leaves '\n' alone, for multi-line text such as a stack trace. */
export function escapeControl(text: string, { keepNewlines = false } = {}): string {
  return text.replace(UNSAFE, (c) => {
    if (keepNewlines && c === '\n') return c
    const named = NAMED[c]
    if (named) return named
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}
