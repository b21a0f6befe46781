/** Version of the suite, written into reports. Kept equal to package.json by a test. */
export const VERSION = '1.0.0'
