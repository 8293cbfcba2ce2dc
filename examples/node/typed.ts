// A TypeScript view of the Node API, type-checked with `tsc --noEmit --strict` by
// scripts/test-node.sh (bindings/node/tsconfig.json). It compiles against notify.d.ts only.
// The first part is server.js's handler in TypeScript (one Endpoint for two merchants, v2 and
// APIv3); the second a single-merchant v2 handler.
import {
  Endpoint,
  Verifier,
  NotifyError,
  sign,
  replySuccess,
  replyRefusal,
  internalErrorReply,
  apiVersionOf,
  V3Verifier,
  type ApiVersion,
  type ErrorCode,
  type Handled,
  type HttpReply,
  type MerchantProfile,
  type PaymentNotification,
  type RefundNotification,
  type Amount,
} from 'wechatpay-notify'

// ---- one notify_url for two merchants, v2 and APIv3 ----

const profiles: MerchantProfile[] = [
  {
    label: 'shop-a',
    v2: { apiKey: process.env.SHOP_A_API_KEY ?? '', signType: 'MD5', mchId: '10000100' },
    v3: {
      apiV3Key: process.env.SHOP_A_API_V3_KEY ?? '',
      platformKeys: { PUB_KEY_ID_0114232134912410000000000000: process.env.SHOP_A_PUBLIC_KEY ?? '' },
    },
  },
  {
    // The merchant id at the profile level binds both versions; the v2 part may then omit it.
    label: 'shop-b',
    mchId: '10000200',
    v2: { apiKey: process.env.SHOP_B_API_KEY ?? '', signType: 'HMAC-SHA256', alsoAccept: null },
    v3: {
      apiV3Key: process.env.SHOP_B_API_V3_KEY ?? '',
      platformKeys: [['PUB_KEY_ID_0111111111111120000000000001', '']],
      mchIds: ['10000200'],
    },
  },
]

// @ts-expect-error a v2 part needs a merchant id, in the part or in the profile
const unrouted: MerchantProfile = { label: 'shop-c', v2: { apiKey: '', signType: 'MD5' } }
void unrouted

/** An amount, or null when it is absent or was sent in another form (its getter throws missing_field). */
function amountOrNull(read: () => Amount): Amount {
  try {
    return read()
  } catch (err) {
    if (err instanceof NotifyError && err.code === 'missing_field') return null
    throw err
  }
}

/** What server.js records: a payment or a refund of one merchant, keyed by its dedupe key. */
type RecordOf =
  | {
      type: 'payment'
      merchant: string
      dedupeKey: string
      version: ApiVersion
      outTradeNo: string | null
      totalFee: Amount
      result: string | null
      success: boolean
    }
  | {
      type: 'refund'
      merchant: string
      dedupeKey: string
      version: ApiVersion
      outTradeNo: string | null
      outRefundNo: string | null
      refundFee: Amount
      refundStatus: string | null
    }
  | { type: 'unrecorded'; why: string }

export function recordOf(handled: Handled): RecordOf {
  const merchant = handled.label
  switch (handled.kind) {
    case 'v2_payment': {
      const n = handled.notification
      if (n.dedupeKey === null) return { type: 'unrecorded', why: 'a failed payment without transaction_id' }
      const { dedupeKey, outTradeNo, resultCode: result, isSuccess: success } = n
      const totalFee = amountOrNull(() => n.totalFee)
      return { type: 'payment', merchant, dedupeKey, version: 'v2', outTradeNo, totalFee, result, success }
    }
    case 'v2_refund': {
      const r = handled.notification
      if (r.dedupeKey === null) return { type: 'unrecorded', why: 'a refund without refund_id' }
      const { dedupeKey, outTradeNo, outRefundNo, refundStatus } = r
      const refundFee = amountOrNull(() => r.refundFee)
      return { type: 'refund', merchant, dedupeKey, version: 'v2', outTradeNo, outRefundNo, refundFee, refundStatus }
    }
    case 'v3': {
      const n = handled.notification
      if (n.transaction !== null) {
        const t = n.transaction
        const totalFee: Amount = amountOrNull(() => t.amountTotal)
        return {
          type: 'payment',
          merchant,
          dedupeKey: n.dedupeKey,
          version: 'v3',
          outTradeNo: t.outTradeNo,
          totalFee,
          result: t.tradeState,
          success: n.isSuccess,
        }
      }
      if (n.refund !== null) {
        const r = n.refund
        return {
          type: 'refund',
          merchant,
          dedupeKey: n.dedupeKey,
          version: 'v3',
          outTradeNo: r.outTradeNo,
          outRefundNo: r.outRefundNo,
          refundFee: amountOrNull(() => r.amountRefund),
          refundStatus: r.refundStatus,
        }
      }
      return { type: 'unrecorded', why: `event type ${n.eventType} is not handled here` }
    }
  }
}

/** The endpoint's reply for any request of any merchant; `record` stores what was verified. */
export function handleRequest(
  endpoint: Endpoint,
  rawHeaders: readonly string[],
  rawBody: Buffer,
  record: (r: RecordOf) => void,
): HttpReply {
  const headers: Array<[string, string]> = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) headers.push([rawHeaders[i], rawHeaders[i + 1]])
  let handled: Handled
  try {
    handled = endpoint.handle(headers, rawBody, { now: null })
  } catch (err) {
    if (err instanceof NotifyError && err.reply !== undefined) {
      const version: ApiVersion | null = err.version ?? null
      const label: string | null = err.label ?? null
      console.log(`rejected ${version ?? 'undecided'} notification for ${label ?? 'no merchant'}: ${err.code}`)
      return err.reply
    }
    throw err
  }
  try {
    record(recordOf(handled))
  } catch {
    return handled.internalErrorReply // 500 in the request's version: WeChat Pay retries
  }
  return handled.reply
}

/** Our own failure before `handle` answered: the request's version decides the reply. */
export function failedEarly(headers: Record<string, string | string[] | undefined>): [ApiVersion, HttpReply] {
  return [apiVersionOf(headers), internalErrorReply(headers)]
}

export const endpoint = new Endpoint({ profiles })
export const fromFile = (file: string): Endpoint => Endpoint.fromProfilesFile(file)
export const labels: string[] = endpoint.labels()

// One merchant's APIv3 verifier, bound to its merchant ids.
const v3 = new V3Verifier({ apiV3Key: process.env.SHOP_A_API_V3_KEY ?? '', platformKeys: [], mchIds: ['10000100'] })
export const served: readonly string[] = v3.mchIds

// ---- one merchant, v2 only ----

const verifier = new Verifier({
  apiKey: process.env.WECHATPAY_API_KEY ?? '',
  signType: 'HMAC-SHA256',
  mchId: '10000100',
  alsoAccept: ['MD5'],
  maxBodyBytes: 65536,
})

function fen(amount: Amount): bigint | null {
  return amount === null ? null : BigInt(amount)
}

interface Outcome {
  status: number
  reply: string
  orderPaid?: { outTradeNo: string; totalFee: bigint; transactionId: string }
}

/** What a notify_url handler does with the raw body. */
export function handle(rawBody: Buffer): Outcome {
  let n: PaymentNotification
  try {
    n = verifier.verifyPayment(rawBody)
  } catch (err) {
    if (err instanceof NotifyError) {
      // The code is for the log; the reply is the same for every refusal.
      const code: ErrorCode = err.code
      console.log(`rejected: ${code}`)
      return { status: code === 'body_too_large' ? 413 : 400, reply: replyRefusal() }
    }
    throw err
  }
  const total = fen(amountOrNull(() => n.totalFee))
  if (!n.isSuccess || n.dedupeKey === null || n.outTradeNo === null || total === null) {
    // A verified result_code=FAIL notification is still acknowledged.
    return { status: 200, reply: replySuccess() }
  }
  for (const [name, value] of n.fieldList) {
    if (name === 'attach') console.log(`attach: ${value} (${n.fields[name]})`)
  }
  for (const c of n.coupons) console.log(c.id, c.couponType ?? '-', c.fee ?? 0) // throws missing_field for a fee in another form
  return {
    status: 200,
    reply: replySuccess(),
    orderPaid: { outTradeNo: n.outTradeNo, totalFee: total, transactionId: n.dedupeKey },
  }
}

/** The key a refund's successful state is recorded under: `refund_id:SUCCESS`. */
export function refundKey(body: string | Uint8Array): string | null {
  const r: RefundNotification = verifier.decryptRefund(body)
  return r.isSuccess ? r.dedupeKey : null
}

export const signature: string = sign({ appid: 'wxd930ea5d5a258f4f', mch_id: '10000100' }, 'x'.repeat(32), 'MD5')
export const pairSignature: string = sign([['a', '1'] as const], 'x'.repeat(32), 'HMAC-SHA256')
