import type { Rgb8, RgbImage } from './rgb-image.js'

/** Width of one glyph cell in font pixels (before scaling). */
export const GLYPH_WIDTH = 5
/** Height of one glyph cell in font pixels (before scaling). */
export const GLYPH_HEIGHT = 7
/** Blank columns between two glyphs, in font pixels (before scaling). */
export const GLYPH_SPACING = 1

/**
 * A built-in 5×7 bitmap font: each glyph is 7 rows of 5 characters, `#` for an inked font pixel
 * and `.` for a blank one. It covers A–Z, 0–9, space and `- . _ : / ( ) ! ? + , # * = ' ·`;
 * lower-case letters are drawn as capitals and anything else as `?`.
 *
 * It draws only the PREVIEW stamp of the preview renderer (synchronous, pixel-exact, found
 * again by `label-find.ts`). Text people read (the contact sheet: prompts, model names,
 * Japanese) is drawn with a real font by `text.ts`.
 */
export const FONT_5X7: Readonly<Record<string, readonly string[]>> = {
  A: ['.###.', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  B: ['####.', '#...#', '#...#', '####.', '#...#', '#...#', '####.'],
  C: ['.###.', '#...#', '#....', '#....', '#....', '#...#', '.###.'],
  D: ['####.', '#...#', '#...#', '#...#', '#...#', '#...#', '####.'],
  E: ['#####', '#....', '#....', '####.', '#....', '#....', '#####'],
  F: ['#####', '#....', '#....', '####.', '#....', '#....', '#....'],
  G: ['.###.', '#...#', '#....', '#.###', '#...#', '#...#', '.####'],
  H: ['#...#', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  I: ['.###.', '..#..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  J: ['..###', '...#.', '...#.', '...#.', '...#.', '#..#.', '.##..'],
  K: ['#...#', '#..#.', '#.#..', '##...', '#.#..', '#..#.', '#...#'],
  L: ['#....', '#....', '#....', '#....', '#....', '#....', '#####'],
  M: ['#...#', '##.##', '#.#.#', '#.#.#', '#...#', '#...#', '#...#'],
  N: ['#...#', '#...#', '##..#', '#.#.#', '#..##', '#...#', '#...#'],
  O: ['.###.', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
  P: ['####.', '#...#', '#...#', '####.', '#....', '#....', '#....'],
  Q: ['.###.', '#...#', '#...#', '#...#', '#.#.#', '#..#.', '.##.#'],
  R: ['####.', '#...#', '#...#', '####.', '#.#..', '#..#.', '#...#'],
  S: ['.####', '#....', '#....', '.###.', '....#', '....#', '####.'],
  T: ['#####', '..#..', '..#..', '..#..', '..#..', '..#..', '..#..'],
  U: ['#...#', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
  V: ['#...#', '#...#', '#...#', '#...#', '#...#', '.#.#.', '..#..'],
  W: ['#...#', '#...#', '#...#', '#.#.#', '#.#.#', '#.#.#', '.#.#.'],
  X: ['#...#', '#...#', '.#.#.', '..#..', '.#.#.', '#...#', '#...#'],
  Y: ['#...#', '#...#', '.#.#.', '..#..', '..#..', '..#..', '..#..'],
  Z: ['#####', '....#', '...#.', '..#..', '.#...', '#....', '#####'],
  '0': ['.###.', '#...#', '#..##', '#.#.#', '##..#', '#...#', '.###.'],
  '1': ['..#..', '.##..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  '2': ['.###.', '#...#', '....#', '...#.', '..#..', '.#...', '#####'],
  '3': ['#####', '...#.', '..#..', '...#.', '....#', '#...#', '.###.'],
  '4': ['...#.', '..##.', '.#.#.', '#..#.', '#####', '...#.', '...#.'],
  '5': ['#####', '#....', '####.', '....#', '....#', '#...#', '.###.'],
  '6': ['..##.', '.#...', '#....', '####.', '#...#', '#...#', '.###.'],
  '7': ['#####', '....#', '...#.', '..#..', '.#...', '.#...', '.#...'],
  '8': ['.###.', '#...#', '#...#', '.###.', '#...#', '#...#', '.###.'],
  '9': ['.###.', '#...#', '#...#', '.####', '....#', '...#.', '.##..'],
  ' ': ['.....', '.....', '.....', '.....', '.....', '.....', '.....'],
  '-': ['.....', '.....', '.....', '#####', '.....', '.....', '.....'],
  '.': ['.....', '.....', '.....', '.....', '.....', '.##..', '.##..'],
  _: ['.....', '.....', '.....', '.....', '.....', '.....', '#####'],
  ':': ['.....', '.##..', '.##..', '.....', '.##..', '.##..', '.....'],
  '/': ['.....', '....#', '...#.', '..#..', '.#...', '#....', '.....'],
  '(': ['...#.', '..#..', '.#...', '.#...', '.#...', '..#..', '...#.'],
  ')': ['.#...', '..#..', '...#.', '...#.', '...#.', '..#..', '.#...'],
  '!': ['..#..', '..#..', '..#..', '..#..', '..#..', '.....', '..#..'],
  '?': ['.###.', '#...#', '....#', '...#.', '..#..', '.....', '..#..'],
  '+': ['.....', '..#..', '..#..', '#####', '..#..', '..#..', '.....'],
  ',': ['.....', '.....', '.....', '.....', '.##..', '..#..', '.#...'],
  '#': ['.#.#.', '.#.#.', '#####', '.#.#.', '#####', '.#.#.', '.#.#.'],
  '*': ['.....', '#.#.#', '.###.', '#####', '.###.', '#.#.#', '.....'],
  '=': ['.....', '.....', '#####', '.....', '#####', '.....', '.....'],
  "'": ['..#..', '..#..', '.#...', '.....', '.....', '.....', '.....'],
  '·': ['.....', '.....', '.....', '..#..', '.....', '.....', '.....'],
}

/** The glyph rows drawn for `char` (capitals for lower case, `?` for unknown characters). */
export function glyphFor(char: string): readonly string[] {
  return FONT_5X7[char] ?? FONT_5X7[char.toUpperCase()] ?? (FONT_5X7['?'] as readonly string[])
}

/**
 * Size in pixels of `text` drawn at integer `scale` (each font pixel becomes `scale` × `scale`
 * image pixels): `{ width, height }`, without trailing spacing.
 */
export function measureText(text: string, scale: number): { width: number; height: number } {
  const count = [...text].length
  if (count === 0) return { width: 0, height: 0 }
  return {
    width: (count * (GLYPH_WIDTH + GLYPH_SPACING) - GLYPH_SPACING) * scale,
    height: GLYPH_HEIGHT * scale,
  }
}

/**
 * Draws `text` into `image` with its top-left corner at pixel (`x`, `y`), each font pixel as a
 * `scale` × `scale` block of the opaque colour `color`. Pixels outside the image are skipped.
 */
export function drawText(
  image: RgbImage,
  text: string,
  x: number,
  y: number,
  scale: number,
  color: Rgb8,
): void {
  let penX = x
  for (const char of text) {
    const rows = glyphFor(char)
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      const bits = rows[row] ?? ''
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        if (bits[col] === '#') fillBlock(image, penX + col * scale, y + row * scale, scale, color)
      }
    }
    penX += (GLYPH_WIDTH + GLYPH_SPACING) * scale
  }
}

function fillBlock(image: RgbImage, x0: number, y0: number, size: number, color: Rgb8): void {
  const x1 = Math.min(image.width, x0 + size)
  const y1 = Math.min(image.height, y0 + size)
  for (let y = Math.max(0, y0); y < y1; y++) {
    for (let x = Math.max(0, x0); x < x1; x++) {
      const i = (y * image.width + x) * 3
      image.data[i] = color[0]
      image.data[i + 1] = color[1]
      image.data[i + 2] = color[2]
    }
  }
}
