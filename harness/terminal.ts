/** Colour for people at a terminal; none when NO_COLOR is set (https://no-color.org) or output is not a TTY. */
const CODES = { red: 31, green: 32, yellow: 33, dim: 2 } as const;

export function colourEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  return !('NO_COLOR' in process.env && process.env.NO_COLOR !== '') && Boolean(stream.isTTY);
}

export function paint(colour: keyof typeof CODES, text: string, stream?: NodeJS.WriteStream): string {
  return colourEnabled(stream) ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
}
