import { describe, expect, it } from 'vitest'
import {
  countScripts,
  guessLanguage,
  NON_LATIN_THRESHOLD,
} from '../../../src/providers/llm/language.js'

describe('guessLanguage (script heuristic)', () => {
  it.each([
    ['崖の上の灯台、夕焼け、油絵風', 'ja', false],
    ['東京の夜景、ネオン, cinematic lighting, 8k', 'ja', false],
    ['서울의 야경, 네온 불빛', 'ko', false],
    ['山水画，云雾缭绕的山峰', 'und-Hani', false],
    ['Маяк на скале на закате', 'und-Cyrl', false],
    ['Ένας φάρος σε βράχο', 'el', false],
    ['A lighthouse on a cliff at sunset, oil painting', 'en', true],
    ['Un phare sur une falaise au coucher du soleil', 'en', true],
    ['A bowl of ramen, 8k, f/1.8', 'en', true],
    ['1234 !!! ---', 'en', true],
  ])('%s → %s', (text, language, english) => {
    const guess = guessLanguage(text)
    expect(guess.language).toBe(language)
    expect(guess.english).toBe(english)
    expect(guess.method).toMatch(/^heuristic \(letter scripts\)/)
  })

  it('decides by the share of non-Latin letters against the threshold', () => {
    // 3 kana of 12 letters = 25 %: at the threshold, not English.
    const at = guessLanguage('abcdefghi ラーメ')
    expect(at.letters).toBe(12)
    expect(at.nonLatinShare).toBe(0.25)
    expect(NON_LATIN_THRESHOLD).toBe(0.25)
    expect(at.english).toBe(false)
    // 3 kana of 13 letters ≈ 23 %: below it, taken as English.
    const below = guessLanguage('abcdefghij ラーメ')
    expect(below.nonLatinShare).toBeCloseTo(3 / 13, 3)
    expect(below.english).toBe(true)
    expect(below.method).toContain('taken as English')
  })

  it('counts letters by script and ignores digits, spaces and punctuation', () => {
    const counts = countScripts('灯台とライト, light 8k!')
    expect(counts).toMatchObject({ han: 2, hiragana: 1, katakana: 3, latin: 6 })
  })

  it('names Japanese whenever kana appear, even when Han dominates', () => {
    expect(guessLanguage('富士山と桜').language).toBe('ja')
    expect(guessLanguage('富士山桜').language).toBe('und-Hani')
  })
})
