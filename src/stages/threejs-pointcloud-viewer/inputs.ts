import { KamuiError } from '../../core/errors.js'
import { withDefaults, type RawInputs } from '../../core/input-spec.js'
import {
  parseBooleanInput,
  parseBoundedNumber,
  parseCameraPosition,
  parseHexColor,
} from '../../output/web/viewer-config.js'
import { VIEWER_INPUTS } from './spec.js'

/** Typed inputs of the threejs-pointcloud-viewer stage. */
export interface ViewerInputs {
  /** As given (workspace-relative); resolved by the stage. */
  plyFile: string
  outputFolder: string
  branchName: string
  title: string
  cameraPosition: [number, number, number]
  autoRotate: boolean
  /** `#rrggbb`. */
  backgroundColor: string
  pointSize: number
  animationSpeed: number
  /** As given, or undefined. */
  musicFile: string | undefined
}

/**
 * Parses the raw inputs (defaults applied).
 *
 * @throws KamuiError CFG_001 for an empty ply-file-path, output-folder or viewer-title; WEB_001
 *   for a malformed camera position, colour, number or boolean (the message names the input)
 */
export function parseViewerInputs(raw: RawInputs): ViewerInputs {
  const r = withDefaults(VIEWER_INPUTS, raw)
  const required = (name: string): string => {
    const value = (r[name] ?? '').trim()
    if (value === '') throw new KamuiError('CFG_001', `${name} is empty.`)
    return value
  }
  const music = (r['music-file'] ?? '').trim()
  return {
    plyFile: required('ply-file-path'),
    outputFolder: required('output-folder'),
    branchName: (r['branch-name'] ?? '').trim(),
    title: required('viewer-title'),
    cameraPosition: parseCameraPosition(r['camera-position'] ?? ''),
    autoRotate: parseBooleanInput(r['auto-rotate'] ?? '', 'auto-rotate'),
    backgroundColor: parseHexColor(r['background-color'] ?? ''),
    pointSize: parseBoundedNumber(r['point-size'] ?? '', 'point-size', 0.01, 100),
    animationSpeed: parseBoundedNumber(r['animation-speed'] ?? '', 'animation-speed', 0, 100),
    musicFile: music === '' ? undefined : music,
  }
}
