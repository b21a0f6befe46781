import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { loadRgbImage } from '../../media/pointcloud/load-image.js'
import { writePlan, type DryRunResult } from '../../runner/dry-run.js'
import { ModelServices } from '../../runner/services.js'
import { durableOptions } from './durable.js'
import type { PointcloudInputs } from './inputs.js'
import { planDepthJob } from './plan-depth.js'
import { givenDepthImage, type PointcloudDeps } from './run.js'

/**
 * The point-cloud stage's dry run (issue 11, input `dry-run`): checks the inputs and reads the
 * image as the real run does, chooses the depth source, builds its model job on a
 * `JobRecorder` (the same job key as the real run), looks it up in the folder's run journal
 * and the job cache, prices it, writes `metadata/plan.json` and logs the plan table. No model is
 * called (no depth is estimated, not even on the CPU); no depth map, cloud or journal line is
 * written.
 *
 * @throws KamuiError CFG_001 / FS_001 inputs, PC_001 no depth source, PC_002 missing depth image,
 *   the image's read errors
 */
export async function runPointcloudDryRun(
  inputs: PointcloudInputs,
  context: StageContext,
  deps: PointcloudDeps = {},
): Promise<DryRunResult> {
  const folder = resolveInWorkspace(context.workspace, inputs.outputFolder, 'output-folder')
  const imageFile = resolveInWorkspace(context.workspace, inputs.inputImagePath, 'input-image-path')
  const depthImage = givenDepthImage(inputs, context)
  // The journal and the budget only: the plan reads the job cache itself and writes nothing there.
  const { journal, budget } = durableOptions(inputs, folder, context)
  const services = await ModelServices.open({ ...inputs, modelRegistry: undefined }, context, {
    ...(journal ? { journal } : {}),
    ...(budget ? { budget } : {}),
  })
  try {
    const image = await loadRgbImage(imageFile, inputs.inputImagePath)
    const plan = await planDepthJob(image, inputs, context, services, { deps, depthImage })
    return { folder, plan, planPath: await writePlan(folder, plan, context) }
  } finally {
    await services.close()
  }
}
