import type { InputSpec } from '../core/input-spec.js'

/**
 * The publishing inputs every stage's `spec.ts` (under `src/stages/`) adds to its own. Read by
 * `parsePublishMode` and `publishResults` (`src/output/publish/publish.ts`) in the adapters;
 * declared here, below the stages and the publishers, so that a spec does not pull in the
 * publishers (and with them `@actions/exec` and `@actions/artifact`).
 */
export const PUBLISH_INPUTS: readonly InputSpec[] = [
  {
    name: 'publish',
    default: 'auto',
    description:
      'How the results folder is published after the stage succeeds. "commit": commit ' +
      '{folder}/ to branch-name and push it to origin (the legacy behaviour; needs ' +
      '`permissions: contents: write`; concurrent jobs pushing to the same branch are rebased ' +
      'and retried). "artifact": upload {folder}/ as a workflow artifact (see artifact-name). ' +
      '"none" (or "false"): publish nothing. "auto": "commit" when running in GitHub Actions ' +
      'with a non-empty branch-name in a checkout with an origin remote, otherwise nothing. ' +
      'Secrets are never published: a file holding one fails the step.',
  },
  {
    name: 'artifact-name',
    default: '',
    description:
      'Name of the artifact when publish is "artifact". Default: kamui-<stage>-<folder name>.',
  },
]
