package io.github.wechatpay_notify;

/**
 * The typed view of a {@code COMPLAINT.*} resource ({@code COMPLAINT.CREATE},
 * {@code COMPLAINT.STATE_CHANGE}); its properties are generated from the core's declaration. Text
 * properties are null when absent. Immutable.
 */
public final class V3Complaint {
    private final TypedProperties typed;

    V3Complaint(ViewReader r) {
        typed = new TypedProperties(r);
    }

    // BEGIN GENERATED typed properties (tools/bindgen/bindgen.py views --lang java; do not edit)
    /** Every typed property of the core's v3_complaint view, read by name when the notification is copied out. */
    private static final class TypedProperties {
        private static final byte[] COMPLAINT_ID = ViewReader.name("complaint_id");
        private static final byte[] ACTION_TYPE = ViewReader.name("action_type");

        final String complaintId;
        final String actionType;

        TypedProperties(ViewReader r) {
            complaintId = r.text(COMPLAINT_ID);
            actionType = r.text(ACTION_TYPE);
        }
    }

    /** {@code complaint_id}; null when absent. */
    public String complaintId() {
        return typed.complaintId;
    }

    /**
     * {@code action_type} ({@code CREATE_COMPLAINT}, {@code CONTINUE_COMPLAINT}, {@code USER_RESPONSE}, …);
     * null when absent.
     */
    public String actionType() {
        return typed.actionType;
    }

    /**
     * Every typed property as {@code name=value} ({@code null} when absent; an amount that cannot be read as
     * {@code <code>}); never throws.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("V3Complaint(");
        s.append("complaint_id=").append(typed.complaintId);
        s.append(", action_type=").append(typed.actionType);
        return s.append(')').toString();
    }
    // END GENERATED typed properties
}
