#!/usr/bin/env node
// The `kamui` command line: runs the committed bundle (rebuilt by `npm run build`).
import '../dist/cli/index.js'
