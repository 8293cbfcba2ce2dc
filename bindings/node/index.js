/* eslint-disable */
// @ts-nocheck
// The native binding loader of wechatpay-notify (issue 18). napi-rs's generated loader tries some 25
// platform package names, most of which we do not publish, and ends in a generic error; this one
// (`napi build --no-js` leaves it alone) tries exactly the platform packages we publish -- the main
// package's napi.targets and optionalDependencies -- and, on a platform without one, throws an error
// naming the supported platforms. The file names and package names are napi-rs's
// (`wechatpay-notify.<platform>.node`, platform packages scoped as `@wechatpay-notify/<platform>`).
'use strict'

const { SUPPORTED, platformName, supportedList } = require('./platform.js')

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
