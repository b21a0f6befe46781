import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { KamuiError } from '../../core/errors.js'

/**
 * The font file that report images (the contact sheet) draw text with: Noto Sans JP Regular
 * (SIL Open Font License 1.1; Latin with accents, kana and kanji), from the npm package
 * `@expo-google-fonts/noto-sans-jp`.
 *
 * - Run from the sources (tests, `tsx`): the package's TTF in `node_modules`.
 * - Run from the bundle (`dist/kamui/index.js`, which has no `node_modules`): the subset
 *   `scripts/build.ts` writes next to it, `dist/kamui/fonts/NotoSansJP-Regular.ttf`, with its
 *   licence `dist/kamui/fonts/OFL.txt` (`scripts/font-asset.ts`).
 *
 * The paths are assembled at run time from {@link FONT_PACKAGE} and {@link FONT_FILE_IN_PACKAGE},
 * so the bundler neither inlines nor copies the 5.5 MB original.
 */

/** The font family name (as Pango knows it). */
export const FONT_FAMILY = 'Noto Sans JP'
/** The npm package that ships the font (a devDependency; its licence is OFL-1.1). */
export const FONT_PACKAGE = '@expo-google-fonts/noto-sans-jp'
/** The TTF inside {@link FONT_PACKAGE}. */
export const FONT_FILE_IN_PACKAGE = '400Regular/NotoSansJP_400Regular.ttf'
/** The folder, next to the bundle, that holds the subset and its licence. */
export const BUNDLED_FONT_DIR = 'fonts'
/** The subset's file name in {@link BUNDLED_FONT_DIR}. */
export const BUNDLED_FONT_FILE = 'NotoSansJP-Regular.ttf'

let cached: string | undefined

/**
 * The absolute path of the font file: the bundled subset next to this module's file when it
 * exists, else the package's TTF in the nearest `node_modules` above this module.
 *
 * @throws KamuiError CFG_001 when neither exists (a bundle built without the font, or a clone
 *   without `npm ci`)
 */
export function fontFile(): string {
  if (cached) return cached
  const here = path.dirname(fileURLToPath(import.meta.url))
  const candidates = [path.join(here, BUNDLED_FONT_DIR, BUNDLED_FONT_FILE)]
  for (let dir = here; ; dir = path.dirname(dir)) {
    candidates.push(
      path.join(dir, 'node_modules', ...FONT_PACKAGE.split('/'), FONT_FILE_IN_PACKAGE),
    )
    if (path.dirname(dir) === dir) break
  }
  const found = candidates.find((file) => existsSync(file))
  if (!found) {
    throw new KamuiError(
      'CFG_001',
      `The font for report images (${FONT_FAMILY}) was not found: looked for ${candidates[0]} and ` +
        `${FONT_PACKAGE}/${FONT_FILE_IN_PACKAGE} in node_modules. Run npm ci, or rebuild dist/ with npm run build.`,
    )
  }
  cached = found
  return found
}
