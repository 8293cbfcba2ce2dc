/* eslint-disable */
// @ts-nocheck
// Which of the platforms we publish binaries for this process runs on, and how to name them in an
// error. Shared by the library's addon loader (index.js, the `wechatpay-notify` package) and the
// command-line launcher (`@wechatpay-notify/cli`, scripts/dist.sh copies this file into it), so both
// pick the platform package the same way -- glibc and musl told apart by Node's own report -- and
// name the same supported platforms.
'use strict'

const { readFileSync } = require('fs')

/**
 * The platforms we publish binaries for, `${process.platform}-${process.arch}[-libc]` -> description: the
 * library's platform packages are `@wechatpay-notify/<name>`, the CLI's `@wechatpay-notify/cli-<name>`.
 */
const SUPPORTED = {
  'linux-x64-gnu': 'Linux x86-64, glibc >= 2.17',
  'linux-arm64-gnu': 'Linux ARM64, glibc >= 2.17',
  'linux-x64-musl': 'Linux x86-64, musl (Alpine)',
  'linux-arm64-musl': 'Linux ARM64, musl (Alpine)',
  'win32-x64-gnu': 'Windows x64',
  'darwin-x64': 'macOS x86-64, 10.12 or later',
  'darwin-arm64': 'macOS ARM64 (Apple silicon), 11.0 or later',
}

function isMusl() {
  // Node's own report: a glibc build of Node records the glibc version it runs on.
  try {
    if (process.report) process.report.excludeNetwork = true
    const report = process.report && typeof process.report.getReport === 'function' ? process.report.getReport() : null
    if (report && report.header) {
      if (report.header.glibcVersionRuntime) return false
      if (Array.isArray(report.sharedObjects) && report.sharedObjects.some((f) => f.includes('libc.musl-') || f.includes('ld-musl-'))) {
        return true
      }
    }
  } catch {}
  try {
    return readFileSync('/usr/bin/ldd', 'utf-8').includes('musl')
  } catch {
    return false
  }
}

/** This process's platform name, as the platform packages are named. */
function platformName() {
  const base = `${process.platform}-${process.arch}`
  if (process.platform === 'linux') return `${base}-${isMusl() ? 'musl' : 'gnu'}`
  if (process.platform === 'win32') return `${base}-gnu`
  return base
}

function supportedList() {
  return Object.entries(SUPPORTED)
    .map(([name, what]) => `${name} (${what})`)
    .join(', ')
}

module.exports = { SUPPORTED, platformName, supportedList }
