import type { InputSpec, OutputSpec } from '../../core/input-spec.js'
import { PUBLISH_INPUTS } from '../../contracts/publish-inputs.js'

/** The legacy `web-player-generation` inputs (SPEC §4), names and defaults unchanged. */
const LEGACY_INPUTS: readonly InputSpec[] = [
  {
    name: 'folder-name',
    required: true,
    description:
      'The run folder, relative to the workspace: the page is written to {folder}/index.html and copied with ' +
      'everything it shows to docs/{folder}/.',
  },
  {
    name: 'music-concept',
    required: true,
    description: 'The concept of the run, shown at the top of the page (as text: never as HTML).',
  },
  {
    name: 'branch-name',
    default: '',
    description:
      'Branch the run folder is committed to and pushed (as the legacy module did; the job needs ' +
      '`permissions: contents: write`). Leave empty to commit nothing.',
  },
  {
    name: 'execution-time',
    default: 'Unknown',
    description: 'How long the run took, as text shown on the page (e.g. "12m 30s").',
  },
  {
    name: 'oauth-token',
    default: '',
    secret: true,
    description:
      'Claude Code OAuth token of the legacy module. Accepted for compatibility, masked and ignored: the page ' +
      'is built from a template, not written by an LLM.',
  },
]

/** The inputs added by this suite: what the page shows and where the copy goes. */
const ADDED_INPUTS: readonly InputSpec[] = [
  {
    name: 'generation-report',
    default: '',
    description:
      'The image stage report (metadata/generation-report.json of image-generation-v2), relative to the ' +
      'workspace: the gallery (model, score, timings, primary image) and the report tables come from it. ' +
      'Empty: {folder}/metadata/generation-report.json when it exists, otherwise the images found in ' +
      '{folder}/images/ are shown without models and scores.',
  },
  {
    name: 'video-files',
    default: '',
    description:
      'Video clips to show (mp4, webm, mov): paths relative to the workspace, comma- or newline-separated or a JSON ' +
      'array (the video-paths output of video-generation); a file ' +
      'named final-music-video.* is shown as the final video. Empty: {folder}/videos/*.mp4 (in natural order) ' +
      'and {folder}/final/final-music-video.mp4, those that exist.',
  },
  {
    name: 'music-file',
    default: '',
    description:
      'Audio file for the music player (wav, mp3, m4a, ogg, aac, flac), relative to the workspace. Empty: the ' +
      'first audio file in {folder}/music/ (the legacy music/generated-music.wav), if any.',
  },
  {
    name: 'ply-file-path',
    default: '',
    description:
      'Point cloud (PLY) for the 3-D viewer, relative to the workspace (the ply-file-path output of ' +
      'pointcloud-generation). Empty: {folder}/pointcloud.ply, else {folder}/pointcloud/pointcloud.ply, if ' +
      'either exists.',
  },
  {
    name: 'docs-folder',
    default: 'docs',
    description:
      'Folder the page is copied to for GitHub Pages, relative to the workspace: {docs-folder}/{folder}/, ' +
      'listed in {docs-folder}/index.html with every earlier run and the figures of kamui stats (an index.html ' +
      'kamui did not write is never overwritten: the list then goes to {docs-folder}/kamui-runs.html). "none": no copy.',
  },
]

/** Inputs of `actions/web-player-generation`. */
export const WEB_PLAYER_INPUTS: readonly InputSpec[] = [
  ...LEGACY_INPUTS,
  ...ADDED_INPUTS,
  ...PUBLISH_INPUTS,
]

/** Outputs of `actions/web-player-generation`: the legacy three, then the page path. */
export const WEB_PLAYER_OUTPUTS: readonly OutputSpec[] = [
  { name: 'web-player-created', description: '"true" when the page was written.' },
  {
    name: 'web-player-url',
    description:
      'Where the page is published: https://{owner}.github.io/{repo}/{folder}/ on GitHub Actions (GitHub Pages ' +
      'serving the docs folder), otherwise the path of {folder}/index.html relative to the workspace.',
  },
  {
    name: 'docs-deployed',
    description:
      '"true" when the page and its files were copied to {docs-folder}/{folder}/ and listed in the index.',
  },
  {
    name: 'web-player-path',
    description: 'Path of {folder}/index.html, relative to the workspace.',
  },
]
