/**
 * A **heuristic** that decides whether a prompt needs translating into English, from the
 * scripts of its letters alone (no language model, no word lists):
 *
 * - every letter (`\p{L}`) is counted by Unicode script (Script_Extensions, so the prolonged
 *   sound mark `ー` counts as kana): Latin, Han, Hiragana, Katakana,
 *   Hangul, Cyrillic, Greek, Arabic, Hebrew, Thai, Devanagari, other;
 * - when the share of letters that are **not Latin** is at least {@link NON_LATIN_THRESHOLD}
 *   the prompt is taken as not English, and its language is guessed from the most frequent
 *   non-Latin script: any kana → `ja` (Japanese mixes kana with Han), Hangul → `ko`, Greek →
 *   `el`, Hebrew → `he`, Thai → `th`; scripts shared by many languages get BCP 47
 *   "undetermined" tags: Han without kana → `und-Hani`, Cyrillic → `und-Cyrl`, Arabic →
 *   `und-Arab`, Devanagari → `und-Deva`, anything else → `und`;
 * - otherwise it is taken as English (`en`).
 *
 * Known limits, by design: Latin-script languages (French, Spanish, German, Vietnamese, …) are
 * all taken as English, since telling them apart needs more than scripts (use
 * `translate-prompt: always` for them); a mostly English prompt with a few Japanese words
 * below the threshold is left as it is. Letters are counted one by one, so a CJK prompt, which
 * needs fewer letters than English for the same content, reaches the threshold easily.
 */

/** Share of non-Latin letters from which a prompt is taken as not English. */
export const NON_LATIN_THRESHOLD = 0.25

/** The scripts counted. */
export type Script =
  | 'latin'
  | 'han'
  | 'hiragana'
  | 'katakana'
  | 'hangul'
  | 'cyrillic'
  | 'greek'
  | 'arabic'
  | 'hebrew'
  | 'thai'
  | 'devanagari'
  | 'other'

/** What the heuristic found. */
export interface LanguageGuess {
  /** `en` (assumed for Latin-script text), `ja`, `ko`, `el`, `he`, `th`, or `und-…` (see above). */
  language: string
  /** Whether the prompt is taken as English (no translation needed in `auto` mode). */
  english: boolean
  /** The most frequent non-Latin script, or `latin` when there is none. */
  script: Script
  /** Share of letters that are not Latin, 0–1 (0 when there are no letters). */
  nonLatinShare: number
  /** Letters counted. */
  letters: number
  /** How the guess was made, for the report. */
  method: string
}

const SCRIPTS: [Exclude<Script, 'other'>, RegExp][] = [
  ['latin', /\p{Script_Extensions=Latin}/u],
  ['han', /\p{Script_Extensions=Han}/u],
  ['hiragana', /\p{Script_Extensions=Hiragana}/u],
  ['katakana', /\p{Script_Extensions=Katakana}/u],
  ['hangul', /\p{Script_Extensions=Hangul}/u],
  ['cyrillic', /\p{Script_Extensions=Cyrillic}/u],
  ['greek', /\p{Script_Extensions=Greek}/u],
  ['arabic', /\p{Script_Extensions=Arabic}/u],
  ['hebrew', /\p{Script_Extensions=Hebrew}/u],
  ['thai', /\p{Script_Extensions=Thai}/u],
  ['devanagari', /\p{Script_Extensions=Devanagari}/u],
]

const LANGUAGE_OF: Record<Exclude<Script, 'latin'>, string> = {
  han: 'und-Hani',
  hiragana: 'ja',
  katakana: 'ja',
  hangul: 'ko',
  cyrillic: 'und-Cyrl',
  greek: 'el',
  arabic: 'und-Arab',
  hebrew: 'he',
  thai: 'th',
  devanagari: 'und-Deva',
  other: 'und',
}

/** Counts the letters of `text` by script. */
export function countScripts(text: string): Record<Script, number> {
  const counts = Object.fromEntries(
    [...SCRIPTS.map(([s]) => s), 'other'].map((s) => [s, 0]),
  ) as Record<Script, number>
  for (const char of text) {
    if (!/\p{L}/u.test(char)) continue
    const script = SCRIPTS.find(([, pattern]) => pattern.test(char))?.[0] ?? 'other'
    counts[script] += 1
  }
  return counts
}

/** Guesses whether `text` is English with the script heuristic described above. */
export function guessLanguage(text: string): LanguageGuess {
  const counts = countScripts(text)
  const letters = Object.values(counts).reduce((a, b) => a + b, 0)
  const nonLatin = letters - counts.latin
  const nonLatinShare = letters === 0 ? 0 : nonLatin / letters
  const ranked = (Object.entries(counts) as [Script, number][])
    .filter(([script, n]) => script !== 'latin' && n > 0)
    .sort((a, b) => b[1] - a[1])
  const top = ranked[0]?.[0] ?? 'latin'
  const english = nonLatinShare < NON_LATIN_THRESHOLD
  const kana = counts.hiragana + counts.katakana > 0
  const language = english ? 'en' : kana ? 'ja' : LANGUAGE_OF[top as Exclude<Script, 'latin'>]
  const percent = Math.round(nonLatinShare * 100)
  return {
    language,
    english,
    script: top,
    nonLatinShare: Math.round(nonLatinShare * 1000) / 1000,
    letters,
    method:
      `heuristic (letter scripts): ${percent}% of ${letters} letters are not Latin ` +
      `(threshold ${NON_LATIN_THRESHOLD * 100}%)` +
      (english ? '; taken as English' : `; mostly ${top} script, taken as ${language}`),
  }
}
