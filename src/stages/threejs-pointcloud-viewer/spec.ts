import type { InputSpec, OutputSpec } from '../../core/input-spec.js'
import { PUBLISH_INPUTS } from '../../contracts/publish-inputs.js'

/** Inputs of `actions/threejs-pointcloud-viewer`: the legacy module's (SPEC §4), then publishing. */
export const VIEWER_INPUTS: readonly InputSpec[] = [
  {
    name: 'ply-file-path',
    required: true,
    description:
      'The point cloud (PLY, ASCII or binary, with or without vertex colours), relative to the workspace; ' +
      'e.g. the ply-file-path output of pointcloud-generation. It is copied to {output-folder}/assets/.',
  },
  {
    name: 'output-folder',
    required: true,
    description:
      'Folder for the viewer, relative to the workspace: {output-folder}/index.html and {output-folder}/assets/* ' +
      '(use docs/<name> to publish it with GitHub Pages from docs/).',
  },
  {
    name: 'branch-name',
    default: '',
    description:
      'Branch the output folder is committed to and pushed (as the legacy module did; the job needs ' +
      '`permissions: contents: write`). Leave empty to commit nothing.',
  },
  { name: 'viewer-title', default: '3D Point Cloud Viewer', description: 'Title of the page.' },
  {
    name: 'camera-position',
    default: '0,0,100',
    description:
      'x,y,z: the direction the camera looks from at the centre of the cloud. The distance is fitted to the ' +
      "cloud's bounds so that the whole cloud is in view at length 100; a longer vector moves the camera " +
      'proportionally further away (0,0,200: twice as far).',
  },
  {
    name: 'auto-rotate',
    default: 'false',
    description: 'Rotate the view around the cloud (true/false); double-click toggles it.',
  },
  {
    name: 'background-color',
    default: '#1a1a1a',
    description: 'Background colour, hex (#1a1a1a or #abc).',
  },
  {
    name: 'point-size',
    default: '1.0',
    description:
      'Size of the points, 0.01–100, as a multiple of the estimated point spacing (a heuristic: the square root ' +
      "of the area of the bounding box' two largest sides over the point count), so 1.0 makes a depth-map grid " +
      'look closed. Adjustable on the page.',
  },
  {
    name: 'animation-speed',
    default: '1.0',
    description: 'Auto-rotation speed, 0–100 (1.0: one turn in about 30 seconds).',
  },
  {
    name: 'music-file',
    default: '',
    description:
      'Optional audio file (wav, mp3, m4a, ogg, aac, flac), relative to the workspace: copied to ' +
      '{output-folder}/assets/ and offered as a looped player on the page.',
  },
  ...PUBLISH_INPUTS,
]

/** Outputs of `actions/threejs-pointcloud-viewer` (legacy names). */
export const VIEWER_OUTPUTS: readonly OutputSpec[] = [
  { name: 'viewer-completed', description: '"true" when the viewer page was written.' },
  {
    name: 'viewer-path',
    description: 'Path of {output-folder}/index.html, relative to the workspace.',
  },
  {
    name: 'assets-count',
    description:
      'Number of files written to {output-folder}/assets/ (the point cloud, the music, the point data script and ' +
      'the viewer script with three.js).',
  },
]
