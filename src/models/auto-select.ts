/**
 * `models: auto` (SPEC §5): picks one image model from the prompt's words, as the legacy
 * modules did, but matching whole words instead of substrings ("art" no longer matches
 * "party" or "artistic").
 *
 * Rules, first match wins:
 * - photoreal words → `imagen4-ultra`
 * - illustration / anime words → `flux-schnell`
 * - otherwise → `imagen4-fast`
 *
 * Japanese keywords (写真, 実写, アニメ, イラスト, 漫画, …) are matched as substrings because
 * Japanese text has no spaces between words; the legacy workflows' prompts were often Japanese.
 */
export function autoSelectModel(prompt: string): string {
  const words = new Set(prompt.toLowerCase().match(/[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*/gu) ?? [])
  const hasWord = (list: readonly string[]): boolean => list.some((w) => words.has(w))
  const hasJa = (list: readonly string[]): boolean => list.some((w) => prompt.includes(w))
  if (hasWord(PHOTO_WORDS) || hasJa(PHOTO_JA)) return 'imagen4-ultra'
  if (hasWord(ILLUSTRATION_WORDS) || hasJa(ILLUSTRATION_JA)) return 'flux-schnell'
  return 'imagen4-fast'
}

const PHOTO_WORDS = [
  'photo',
  'photos',
  'photograph',
  'photography',
  'photographic',
  'photorealistic',
  'photoreal',
  'realistic',
  'real',
  'portrait',
  'landscape',
  'dslr',
] as const
const ILLUSTRATION_WORDS = [
  'anime',
  'cartoon',
  'illustration',
  'illustrated',
  'art',
  'manga',
  'drawing',
  'sketch',
  'watercolor',
  'watercolour',
  'comic',
] as const
const PHOTO_JA = ['写真', '実写', 'リアル', '風景', 'ポートレート'] as const
const ILLUSTRATION_JA = ['アニメ', 'イラスト', '漫画', 'マンガ', '水彩'] as const
