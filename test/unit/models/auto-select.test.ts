import { describe, expect, it } from 'vitest'
import { autoSelectModel } from '../../../src/models/auto-select.js'

describe('autoSelectModel', () => {
  it.each([
    ['A photorealistic portrait of an old sailor', 'imagen4-ultra'],
    ['Landscape at dawn, DSLR photo', 'imagen4-ultra'],
    ['An anime girl under cherry blossoms', 'flux-schnell'],
    ['Watercolor illustration of a fox', 'flux-schnell'],
    ['Pop art poster', 'flux-schnell'],
    ['A cozy party in a cabin', 'imagen4-fast'],
    ['An artistic arrangement of cups', 'imagen4-fast'],
    ['Unreal engine castle', 'imagen4-fast'],
    ['夕焼けの海の写真', 'imagen4-ultra'],
    ['アニメ風の少女', 'flux-schnell'],
  ])('%j → %s', (prompt, model) => {
    expect(autoSelectModel(prompt)).toBe(model)
  })
})
