// The Java binding's driver for `make bench-java` (scripts/bench-java.sh, bindings/java/bench/compare.py),
// speaking the protocol of bench/peers (the core's driver is bench/peers/rust): `JavaDriver CASES_JSON v2|v3`
// checks the case (the genuine notification verifies and reads back the expected values, the forged one is
// refused), prints `ready <label>`, then answers `run <ms>` lines with `<calls> <cpu_ns> <wall_ns>`:
// handler-like calls (verify, then read what a notify handler reads) repeated until this process has used
// `<ms>` of CPU time (the JVM's own threads, JIT and GC, included, as the other drivers count theirs).
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.wechatpay_notify.Library;
import io.github.wechatpay_notify.PaymentNotification;
import io.github.wechatpay_notify.SignType;
import io.github.wechatpay_notify.V3Notification;
import io.github.wechatpay_notify.V3Transaction;
import io.github.wechatpay_notify.V3Verifier;
import io.github.wechatpay_notify.Verifier;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

public final class JavaDriver {
    static volatile long sink;

    interface Call {
        void run();
    }

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }

    public static void main(String[] args) throws Exception {
        JsonObject cases = JsonParser.parseString(new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8)).getAsJsonObject();
        String label = "wechatpay-notify Java binding (JNA " + com.sun.jna.Native.VERSION + ", native " + Library.version() + ", "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ")";
        if (args[1].equals("v2")) {
            JsonObject c = cases.getAsJsonObject("v2");
            JsonObject e = c.getAsJsonObject("expect");
            Verifier verifier = Verifier.create(c.get("api_key").getAsString(), SignType.MD5);
            byte[] body = c.get("body").getAsString().getBytes(StandardCharsets.UTF_8);
            byte[] forged = c.get("forged").getAsString().getBytes(StandardCharsets.UTF_8);
            PaymentNotification n = verifier.verifyPayment(body);
            check(n.outTradeNo().equals(e.get("out_trade_no").getAsString()), "out_trade_no");
            check(n.transactionId().equals(e.get("transaction_id").getAsString()), "transaction_id");
            check(n.totalFee().getAsLong() == e.get("total_fee").getAsLong(), "total_fee");
            check(n.isSuccess() == e.get("is_success").getAsBoolean(), "is_success");
            check(n.fields().size() == e.get("field_count").getAsInt(), "field count");
            try {
                verifier.verifyPayment(forged);
                throw new IllegalStateException("the forged notification verified");
            } catch (io.github.wechatpay_notify.NotifyException expected) {
                // refused
            }
            loop(label, () -> {
                PaymentNotification p = verifier.verifyPayment(body);
                sink += p.fields().size() + p.outTradeNo().length() + p.transactionId().length() + p.totalFee().getAsLong()
                        + (p.isSuccess() ? 1 : 0);
            });
        } else {
            JsonObject c = cases.getAsJsonObject("v3");
            JsonObject e = c.getAsJsonObject("expect");
            V3Verifier verifier = V3Verifier.create(c.get("api_v3_key").getAsString(),
                    Collections.singletonMap(c.get("serial").getAsString(), c.get("pem").getAsString()));
            Map<String, String> headers = new LinkedHashMap<>();
            for (JsonElement h : c.getAsJsonArray("headers")) {
                JsonArray pair = h.getAsJsonArray();
                headers.put(pair.get(0).getAsString(), pair.get(1).getAsString());
            }
            byte[] body = c.get("body").getAsString().getBytes(StandardCharsets.UTF_8);
            byte[] forged = c.get("forged").getAsString().getBytes(StandardCharsets.UTF_8);
            long now = c.get("now").getAsLong();
            V3Notification n = verifier.verify(headers, body, now);
            V3Transaction t = n.transaction();
            check(t.outTradeNo().equals(e.get("out_trade_no").getAsString()), "out_trade_no");
            check(t.transactionId().equals(e.get("transaction_id").getAsString()), "transaction_id");
            check(t.amountTotal().getAsLong() == e.get("amount_total").getAsLong(), "amount_total");
            check(n.isSuccess() == e.get("is_success").getAsBoolean(), "is_success");
            try {
                verifier.verify(headers, forged, now);
                throw new IllegalStateException("the forged notification verified");
            } catch (io.github.wechatpay_notify.NotifyException expected) {
                // refused
            }
            loop(label, () -> {
                V3Notification x = verifier.verify(headers, body, now);
                V3Transaction tx = x.transaction();
                sink += x.plaintext().length() + tx.outTradeNo().length() + tx.transactionId().length() + tx.amountTotal().getAsLong()
                        + (x.isSuccess() ? 1 : 0);
            });
        }
    }

    /** The shared driver protocol: `ready <label>`, then `run <ms>` -> `<calls> <cpu_ns> <wall_ns>`. */
    static void loop(String label, Call call) throws Exception {
        System.out.println("ready " + label);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        long batch = 1;
        String line;
        while ((line = in.readLine()) != null) {
            String[] words = line.trim().split("\\s+");
            if (words[0].equals("quit")) {
                break;
            }
            if (!words[0].equals("run")) {
                throw new IllegalStateException("unknown command " + line);
            }
            long target = (long) (Double.parseDouble(words[1]) * 1e6);
            long calls = 0;
            long cpu0 = cpuNanos();
            long wall0 = System.nanoTime();
            long cpu;
            do {
                for (long i = 0; i < batch; i++) {
                    call.run();
                }
                calls += batch;
                cpu = cpuNanos() - cpu0;
            } while (cpu < target);
            long wall = System.nanoTime() - wall0;
            batch = Math.max(1, (long) (calls * 1e6 / cpu)); // about 1 ms per batch
            System.out.println(calls + " " + cpu + " " + wall);
            System.out.flush();
        }
    }
}
