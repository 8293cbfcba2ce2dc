/* eslint-disable */
// @ts-nocheck
// The native binding loader of wechatpay-notify (issue 18). napi-rs's generated loader tries some 25
// platform package names, most of which we do not publish, and ends in a generic error; this one
// (`napi build --no-js` leaves it alone) tries exactly the platform packages we publish -- the main
// package's napi.targets and optionalDependencies -- and, on a platform without one, throws an error
// naming the supported platforms. The file names and package names are napi-rs's
// (`wechatpay-notify.<platform>.node`, platform packages scoped as `@wechatpay-notify/<platform>`).
'use strict'

const { readFileSync } = require('fs')

/** The platform packages we publish: `${process.platform}-${process.arch}[-libc]` -> description. */
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

function load() {
  const errors = []
  if (process.env.NAPI_RS_NATIVE_LIBRARY_PATH) {
    return require(process.env.NAPI_RS_NATIVE_LIBRARY_PATH)
  }
  const platform = platformName()
  if (!Object.prototype.hasOwnProperty.call(SUPPORTED, platform)) {
    throw new Error(
      `wechatpay-notify has no native addon for this platform (${platform}, Node ${process.version}). ` +
        `Supported platforms: ${supportedList()}.`,
    )
  }
  // A local build beside this file (`napi build --platform` in bindings/node), then the platform package.
  for (const id of [`./wechatpay-notify.${platform}.node`, `@wechatpay-notify/${platform}`]) {
    try {
      return require(id)
    } catch (e) {
      if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(id)) {
        errors.push(e)
        continue
      }
      // The file exists but does not load (wrong architecture, missing system library, ...).
      const error = new Error(`wechatpay-notify: ${id} (${SUPPORTED[platform]}) failed to load: ${e && e.message}`)
      error.cause = e
      throw error
    }
  }
  const error = new Error(
    `wechatpay-notify: the platform package @wechatpay-notify/${platform} (${SUPPORTED[platform]}) is not installed. ` +
      'It is an optional dependency of wechatpay-notify: reinstall without --no-optional / --omit=optional, ' +
      'and on the platform that runs the code (npm installs only the package for the platform it runs on). ' +
      `Supported platforms: ${supportedList()}.`,
  )
  error.cause = errors[errors.length - 1]
  throw error
}

module.exports = load()
