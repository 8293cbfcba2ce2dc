package io.github.wechatpay_notify;

/** A registration with the {@link SafetyNet}: {@link #clean()} runs its action at most once. */
interface Cleanup {
    void clean();
}
