import { describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import { networkPolicyFromInputs } from '../../../src/core/http.js'
import {
  IMAGE_GENERATION_INPUTS,
  IMAGE_GENERATION_V2_INPUTS,
} from '../../../src/stages/image-generation/spec.js'
import { KEYFRAMES_INPUTS } from '../../../src/stages/keyframes/spec.js'
import { PIPELINE_INPUTS } from '../../../src/stages/pipeline/spec.js'
import { POINTCLOUD_GENERATION_INPUTS } from '../../../src/stages/pointcloud-generation/spec.js'
import { VIDEO_GENERATION_INPUTS } from '../../../src/stages/video-generation/spec.js'

describe('allow-private-network', () => {
  it('is refused by default and allowed by the input or by KAMUI_ALLOW_PRIVATE_NETWORK', () => {
    expect(networkPolicyFromInputs({}, {})).toEqual({ allowPrivate: false })
    expect(networkPolicyFromInputs({ 'allow-private-network': 'false' }, {})).toEqual({
      allowPrivate: false,
    })
    expect(networkPolicyFromInputs({ 'allow-private-network': 'true' }, {})).toEqual({
      allowPrivate: true,
    })
    expect(networkPolicyFromInputs({}, { KAMUI_ALLOW_PRIVATE_NETWORK: 'true' })).toEqual({
      allowPrivate: true,
    })
    expect(networkPolicyFromInputs({}, { KAMUI_ALLOW_PRIVATE_NETWORK: '0' })).toEqual({
      allowPrivate: false,
    })
  })

  it('fails fast with CFG_001 on a value that is not true or false', () => {
    let error: unknown
    try {
      networkPolicyFromInputs({ 'allow-private-network': 'maybe' }, {})
    } catch (e) {
      error = e
    }
    expect(isKamuiError(error, 'CFG_001'), String(error)).toBe(true)
  })

  it('is an input of every stage that downloads model results except the legacy v1 action', () => {
    const has = (inputs: readonly { name: string; default?: string }[]) =>
      inputs.find((i) => i.name === 'allow-private-network')?.default
    for (const inputs of [
      IMAGE_GENERATION_V2_INPUTS,
      KEYFRAMES_INPUTS,
      VIDEO_GENERATION_INPUTS,
      POINTCLOUD_GENERATION_INPUTS,
      PIPELINE_INPUTS,
    ]) {
      expect(has(inputs)).toBe('false')
    }
    expect(has(IMAGE_GENERATION_INPUTS)).toBeUndefined()
  })
})
