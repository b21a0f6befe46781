/**
 * Build step (scripts/build.ts): writes the font of report images next to the bundle, since
 * dist/ runs without node_modules: `dist/kamui/fonts/NotoSansJP-Regular.ttf` and its licence
 * `dist/kamui/fonts/OFL.txt` (src/media/raster/font-file.ts looks there first).
 *
 * The font is Noto Sans JP Regular from the devDependency `@expo-google-fonts/noto-sans-jp`
 * (SIL Open Font License 1.1, which allows subsetting and redistribution with the licence). It
 * is cut down with `subset-font` (HarfBuzz's hb-subset as WebAssembly) to the characters
 * prompts and labels use: ASCII, Latin-1 and Latin Extended-A/B (accented Latin), general
 * punctuation, arrows and symbols, CJK punctuation, hiragana, katakana, the 6,355 kanji of JIS
 * X 0208 levels 1 and 2 (every double-byte Shift_JIS code decoded with Node's TextDecoder), and
 * full- and half-width forms. The original is 5.5 MB; the subset is about 2.5 MB.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import {
  BUNDLED_FONT_DIR,
  BUNDLED_FONT_FILE,
  FONT_FILE_IN_PACKAGE,
  FONT_PACKAGE,
} from '../src/media/raster/font-file.js'

/** Every character the subset keeps. */
export function fontSubsetText(): string {
  const chars = new Set<string>()
  const range = (from: number, to: number): void => {
    for (let c = from; c <= to; c++) chars.add(String.fromCodePoint(c))
  }
  range(0x20, 0x7e) // ASCII
  range(0xa0, 0x24f) // Latin-1, Latin Extended-A and -B
  range(0x2000, 0x206f) // general punctuation (— … “ ”)
  range(0x2190, 0x21ff) // arrows
  range(0x2200, 0x22ff) // mathematical operators (× ≤)
  range(0x25a0, 0x25ff) // geometric shapes (■ ●)
  range(0x3000, 0x303f) // CJK symbols and punctuation
  range(0x3040, 0x30ff) // hiragana, katakana
  range(0xff00, 0xffef) // full- and half-width forms
  const sjis = new TextDecoder('shift_jis')
  for (let lead = 0x81; lead <= 0xfc; lead++) {
    if (lead > 0x9f && lead < 0xe0) continue
    for (let trail = 0x40; trail <= 0xfc; trail++) {
      if (trail === 0x7f) continue
      const char = sjis.decode(new Uint8Array([lead, trail]))
      if (char !== '\uFFFD' && [...char].length === 1) chars.add(char)
    }
  }
  return [...chars].join('')
}

/** Writes the subset font and its licence into `<bundleDir>/fonts/`. */
export async function writeFontAsset(bundleDir: string): Promise<string> {
  const require = createRequire(import.meta.url)
  const packageDir = path.dirname(require.resolve(`${FONT_PACKAGE}/package.json`))
  const original = readFileSync(path.join(packageDir, FONT_FILE_IN_PACKAGE))
  // subset-font ships no type declarations: imported by name and typed here.
  const moduleName = 'subset-font'
  const { default: subsetFont } = (await import(moduleName)) as {
    default: (font: Buffer, text: string, options: { targetFormat: 'truetype' }) => Promise<Buffer>
  }
  const subset = await subsetFont(original, fontSubsetText(), { targetFormat: 'truetype' })
  const dir = path.join(bundleDir, BUNDLED_FONT_DIR)
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, BUNDLED_FONT_FILE)
  writeFileSync(file, subset)
  copyFileSync(path.join(packageDir, 'LICENSE_FONT'), path.join(dir, 'OFL.txt'))
  return file
}
