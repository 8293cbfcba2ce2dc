#!/usr/bin/env node
// The `wechatpay-notify` command of @wechatpay-notify/cli: runs the prebuilt binary of the platform
// package for this machine, `@wechatpay-notify/cli-<platform>` (an optional dependency at the same
// version; npm installs only the one whose os, cpu and libc match), with the same arguments and
// standard streams, and ends as it ends: its exit status, or the signal that ended it.
'use strict'

const { spawn } = require('child_process')
const path = require('path')
const { SUPPORTED, platformName, supportedList } = require('./platform.js')

// Exit status 2, as the binary's own usage and configuration errors: 1 means "notification rejected".
function fail(message) {
  process.stderr.write(`wechatpay-notify: ${message}\n`)
  process.exit(2)
}

function binaryPath() {
  const platform = platformName()
  if (!Object.prototype.hasOwnProperty.call(SUPPORTED, platform)) {
    fail(`@wechatpay-notify/cli has no binary for this platform (${platform}, Node ${process.version}). Supported platforms: ${supportedList()}.`)
  }
  const pkg = `@wechatpay-notify/cli-${platform}`
  let dir
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`))
  } catch (e) {
    if (!e || e.code !== 'MODULE_NOT_FOUND') throw e
    fail(
      `the platform package ${pkg} (${SUPPORTED[platform]}) is not installed. It is an optional dependency of ` +
        '@wechatpay-notify/cli: reinstall without --no-optional / --omit=optional, on the platform that runs the ' +
        `command (npm installs only the package for the platform it runs on). Supported platforms: ${supportedList()}.`,
    )
  }
  return path.join(dir, 'bin', process.platform === 'win32' ? 'wechatpay-notify.exe' : 'wechatpay-notify')
}

function run() {
  const binary = binaryPath()
  const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit' })
  // A signal sent to this process (a supervisor's SIGTERM, a terminal's SIGINT) goes to the binary too,
  // and this process waits for the binary to end rather than ending first and orphaning it. Windows
  // has no signals to forward: the console sends Ctrl+C / Ctrl+Break to every process attached to it,
  // the binary included, so listening only keeps this process from ending before the binary does.
  const win = process.platform === 'win32'
  const signals = win ? ['SIGINT', 'SIGBREAK'] : ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']
  const forward = (signal) => {
    if (!win) child.kill(signal)
  }
  for (const signal of signals) process.on(signal, forward)
  child.on('error', (e) => fail(`cannot run ${binary}: ${e.message}`))
  child.on('exit', (code, signal) => {
    for (const s of signals) process.removeListener(s, forward)
    if (signal) {
      // Ended by a signal: end this process by the same one, so the caller sees what its shell would
      // have seen running the binary itself (e.g. exit status 143 for SIGTERM).
      process.kill(process.pid, signal)
      return
    }
    process.exit(code)
  })
}

run()
