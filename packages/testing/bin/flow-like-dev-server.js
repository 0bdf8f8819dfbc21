#!/usr/bin/env node
import "../dist/bin/flow-like-dev-server.js"
