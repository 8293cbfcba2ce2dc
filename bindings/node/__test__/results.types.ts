// Type-checked by `tsc --noEmit --strict -p tsconfig.json` (scripts/test-node.sh), never run: the
// result types keep their names and members, and `Plain<T>` (what `toJSON()` returns) has every
// member as a data property, nested results plain too, without `toJSON`.
import type {
  Amount,
  Fields,
  Handled,
  HandledPayment,
  PaymentNotification,
  Plain,
  V3Notification,
  V3Transaction,
} from 'wechatpay-notify'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const check = <T extends true>(): T | undefined => undefined

export function handler(n: PaymentNotification): [string | null, Amount, boolean] {
  // Destructuring the getters types as the properties do.
  const { outTradeNo, totalFee, isSuccess } = n
  return [outTradeNo, totalFee, isSuccess]
}

export function plain(n: PaymentNotification, v3: V3Notification, h: Handled): void {
  const p = n.toJSON()
  const fields: Fields = p.fields
  const total: Amount = p.totalFee
  void [fields, total]
  check<Equal<keyof Plain<PaymentNotification>, Exclude<keyof PaymentNotification, 'toJSON'>>>()
  const t = v3.toJSON().transaction
  check<Equal<typeof t, Plain<V3Transaction> | null>>()
  check<Equal<'toJSON' extends keyof NonNullable<typeof t> ? true : false, false>>()
  if (h.kind === 'v2_payment') {
    const hp: Plain<HandledPayment> = h.toJSON()
    const inner: Plain<PaymentNotification> = hp.notification
    void inner
  }
}
