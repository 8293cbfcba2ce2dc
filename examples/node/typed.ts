// A TypeScript view of the Node API, type-checked with `tsc --noEmit --strict` by
// scripts/test-node.sh (bindings/node/tsconfig.json). It compiles against notify.d.ts only.
import {
  Verifier,
  NotifyError,
  sign,
  replySuccess,
  replyFail,
  type ErrorCode,
  type PaymentNotification,
  type RefundNotification,
  type Amount,
} from 'wechatpay-notify'

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
      const code: ErrorCode = err.code
      return { status: code === 'body_too_large' ? 413 : 400, reply: replyFail(code) }
    }
    throw err
  }
  const total = fen(n.totalFee)
  if (!n.isSuccess || n.dedupeKey === null || n.outTradeNo === null || total === null) {
    // A verified result_code=FAIL notification is still acknowledged.
    return { status: 200, reply: replySuccess() }
  }
  for (const [name, value] of n.fieldList) {
    if (name === 'attach') console.log(`attach: ${value} (${n.fields[name]})`)
  }
  for (const c of n.coupons) console.log(c.id, c.couponType ?? '-', c.fee ?? 0)
  return {
    status: 200,
    reply: replySuccess(),
    orderPaid: { outTradeNo: n.outTradeNo, totalFee: total, transactionId: n.dedupeKey },
  }
}

export function refundKey(body: string | Uint8Array): string | null {
  const r: RefundNotification = verifier.decryptRefund(body)
  return r.isSuccess ? r.dedupeKey : null
}

export const signature: string = sign({ appid: 'wxd930ea5d5a258f4f', mch_id: '10000100' }, 'x'.repeat(32), 'MD5')
export const pairSignature: string = sign([['a', '1'] as const], 'x'.repeat(32), 'HMAC-SHA256')
