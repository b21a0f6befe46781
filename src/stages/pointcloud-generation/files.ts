/** The legacy file names in the output folder (SPEC §4). */
export const POINTCLOUD_FILES = {
  depthMap: 'depth.png',
  depthGray: 'depth_gray.png',
  ply: 'pointcloud.ply',
} as const
