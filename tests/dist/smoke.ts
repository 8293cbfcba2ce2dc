// Type-checked (tsc --noEmit --strict) against the installed wechatpay-notify package by
// scripts/test-dist.sh: the declarations must resolve from node_modules (package.json `types`) and
// describe the API; an untyped or missing declaration fails under --strict (implicit any).
import { Verifier, NotifyError, type PaymentNotification, type Amount } from 'wechatpay-notify'

const verifier: Verifier = new Verifier({ apiKey: 'a'.repeat(32), signType: 'MD5', mchId: '10000100' })

export function orderOf(body: Buffer): { order: string | null; fee: Amount; ok: boolean } {
  try {
    const payment: PaymentNotification = verifier.verifyPayment(body)
    return { order: payment.outTradeNo, fee: payment.totalFee, ok: payment.isSuccess }
  } catch (e) {
    if (e instanceof NotifyError) {
      const code: string = e.code
      return { order: code, fee: null, ok: false }
    }
    throw e
  }
}
