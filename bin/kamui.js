#!/usr/bin/env node
// The `kamui` command line: runs the committed bundle (rebuilt by `npm run build`).
import { cliMain } from '../dist/kamui/index.js'

process.exitCode = await cliMain(process.argv)
