package io.github.wechatpay_notify;

/**
 * A merchant account served by an {@link Endpoint}: a label of your choice, given back with each of
 * its notifications, its merchant id, and its v2 verifier, its APIv3 verifier, or both. The profile
 * only refers to the verifiers: the endpoint takes its own copies when it is built, so they may be
 * closed afterwards.
 */
public final class MerchantProfile {
    private final String label;
    private final Verifier v2;
    private final V3Verifier v3;
    private final String mchId;
    final byte[] labelBytes;
    final byte[] mchIdBytes;

    /**
     * A profile named {@code label}.
     *
     * @param label your name for the merchant (e.g. {@code "shop-a"})
     * @param v2 the merchant's v2 verifier, or null. v2 notifications find their merchant by its id:
     *     the verifier's expected {@code mch_id} or the profile's {@code mchId} (without either,
     *     {@code invalid_config} when the endpoint is built)
     * @param v3 the merchant's APIv3 verifier, or null
     * @param mchId the merchant's id, or null. It binds both versions: v2 notifications must carry it
     *     as {@code mch_id} (then the v2 verifier need not expect one; if it does, the two must agree,
     *     else {@code invalid_config}), and APIv3 resources as {@code mchid} (or {@code sp_mchid}),
     *     else {@code merchant_mismatch}, unless the APIv3 verifier names its own. Empty is
     *     {@code invalid_config} when the endpoint is built.
     * @throws NullPointerException {@code label} is null
     * @throws IllegalArgumentException {@code label} or {@code mchId} has no UTF-8 form
     */
    public MerchantProfile(String label, Verifier v2, V3Verifier v3, String mchId) {
        this.labelBytes = Ffi.encode(label, "label");
        this.mchIdBytes = mchId == null ? null : Ffi.encode(mchId, "mchId");
        this.label = label;
        this.v2 = v2;
        this.v3 = v3;
        this.mchId = mchId;
    }

    /** A profile without its own merchant id (a v2 verifier's expected {@code mch_id} is the id). */
    public MerchantProfile(String label, Verifier v2, V3Verifier v3) {
        this(label, v2, v3, null);
    }

    /** The label. */
    public String label() {
        return label;
    }

    /** The v2 verifier, or null. */
    public Verifier v2() {
        return v2;
    }

    /** The APIv3 verifier, or null. */
    public V3Verifier v3() {
        return v3;
    }

    /** The merchant id, or null. */
    public String mchId() {
        return mchId;
    }

    @Override
    public String toString() {
        return "MerchantProfile(" + label + (mchId == null ? "" : ", " + mchId) + (v2 == null ? "" : ", v2")
                + (v3 == null ? "" : ", v3") + ")";
    }
}
