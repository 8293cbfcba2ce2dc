package io.github.wechatpay_notify.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.wechatpay_notify.Endpoint;
import io.github.wechatpay_notify.NotifyException;
import io.github.wechatpay_notify.V3Notification;
import io.github.wechatpay_notify.V3Verifier;
import io.github.wechatpay_notify.Verifier;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example endpoint over real HTTP on loopback: two merchants (shop-a: the shipped samples' key, MD5,
 * mch_id 10000100, the test key pubkey-a; shop-b: HMAC-SHA256, mch_id 10000200, pubkey-b), each with v2
 * and APIv3, configured by a profiles file read by the library's loader (Endpoint.fromProfilesFile).
 * Every request is made by the CLI as WeChat Pay sends it ({@code wechatpay-notify simulate pay|refund|v3
 * ... --print}: --mch-id, --out-trade-no, --total-fee, --result, --transaction-id, --refund-id,
 * --refund-status, --sign-type, the other merchant's key to forge, --private-key/--key-id,
 * --stale-timestamp, --probe; signed with the test keys of tests/vectors/keys/), or sent by simulate
 * itself; the server also runs as a process (Main) with the test-only WECHATPAY_EXAMPLE_FAIL_FIRST.
 * System properties from scripts/test-java.sh: wechatpay.notify.cli, wechatpay.notify.exampleClasspath.
 */
class NotifyServerTest {
    static final String SUCCESS = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>";
    static final String FAIL = "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>";
    static final String V3_FAIL = "{\"code\":\"FAIL\",\"message\":\"rejected\"}";
    static final String V2_OK = "200|text/xml|" + SUCCESS;
    static final String V3_OK = "204||";
    static final String SAMPLE_ORDER = "20261127ORDER0001";
    static final String SAMPLE_TX = "4200001234202611270123456789";
    static final int MAX_BODY_BYTES = 65536;
    static final Path ROOT = Paths.get(System.getProperty("wechatpay.notify.root", ".")).toAbsolutePath();

    static String cli;

    static final class Merchant {
        final String label;
        final String mchId;
        final String v2Key;
        final String signType;
        final String v3Key;
        final String keyId;
        final Path privateKey;
        final Path publicKey;

        Merchant(String label, String mchId, String v2Key, String signType, String v3Key, String keyId, String keys) {
            this.label = label;
            this.mchId = mchId;
            this.v2Key = v2Key;
            this.signType = signType;
            this.v3Key = v3Key;
            this.keyId = keyId;
            this.privateKey = ROOT.resolve("tests/vectors/keys/" + keys + "-private.pem");
            this.publicKey = ROOT.resolve("tests/vectors/keys/" + keys + "-public.pem");
        }
    }

    static Merchant a;
    static Merchant b;

    @BeforeAll
    static void setUp() throws IOException {
        cli = System.getProperty("wechatpay.notify.cli");
        assumeTrue(cli != null, "run by scripts/test-java.sh (wechatpay.notify.cli: the wechatpay-notify binary)");
        a = new Merchant("shop-a", "10000100", new String(Files.readAllBytes(ROOT.resolve("examples/notifications/api_key.txt")),
                StandardCharsets.UTF_8).trim(), "MD5", "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb", "PUB_KEY_ID_0114232134912410000000000000", "pubkey-a");
        b = new Merchant("shop-b", "10000200", "2IBtBXdrqC3kCBs4gaceL7nl2nnFadQv", "HMAC-SHA256", "0123456789abcdefghijklmnopqrstuv",
                "PUB_KEY_ID_0111111111111120000000000001", "pubkey-b");
    }

    // ---- the deployment ----

    static void writePrivate(Path path, String text) throws IOException {
        Files.write(path, text.getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    }

    /**
     * shop-a and shop-b: each one's keys in files of their own (chmod 600), the WeChat Pay public key each
     * trusts; with {@code aV3KeyEnv}, shop-a's APIv3 key is named by that environment variable instead
     * (only a server process can be given one). Returns the profiles file.
     */
    static Path writeProfiles(Path dir, String aV3KeyEnv) throws IOException {
        JsonArray profiles = new JsonArray();
        for (Merchant m : Arrays.asList(a, b)) {
            Path md = Files.createDirectories(dir.resolve(m.label));
            writePrivate(md.resolve("api_key.txt"), m.v2Key + "\n");
            writePrivate(md.resolve("api_v3_key.txt"), m.v3Key + "\n");
            Files.copy(m.publicKey, md.resolve("wechatpay_public_key.pem"));
            JsonObject v2 = new JsonObject();
            v2.addProperty("api_key_file", m.label + "/api_key.txt");
            v2.addProperty("sign_type", m.signType);
            JsonObject keys = new JsonObject();
            keys.addProperty(m.keyId, m.label + "/wechatpay_public_key.pem");
            JsonObject v3 = new JsonObject();
            if (m == a && aV3KeyEnv != null) {
                v3.addProperty("api_v3_key_env", aV3KeyEnv);
            } else {
                v3.addProperty("api_v3_key_file", m.label + "/api_v3_key.txt");
            }
            v3.add("platform_keys", keys);
            JsonObject profile = new JsonObject();
            profile.addProperty("label", m.label);
            profile.addProperty("mch_id", m.mchId); // routes v2 and binds the APIv3 resources' mchid
            profile.add("v2", v2);
            profile.add("v3", v3);
            profiles.add(profile);
        }
        JsonObject doc = new JsonObject();
        doc.add("profiles", profiles);
        Path path = dir.resolve("profiles.json");
        writePrivate(path, doc.toString());
        return path;
    }

    /** A server on a free loopback port with its own profiles and database; orders (merchant, number, amount) first. */
    interface Body {
        void run(String url, Store store) throws Exception;
    }

    static void withServer(Path dir, Body body, Object... orders) throws Exception {
        Store store = new Store(dir.resolve("payments.sqlite3").toString());
        for (int i = 0; i < orders.length; i += 3) {
            store.createOrder((String) orders[i], (String) orders[i + 1], ((Number) orders[i + 2]).longValue());
        }
        try (Endpoint endpoint = Endpoint.fromProfilesFile(writeProfiles(dir, null))) {
            serve(dir, endpoint, store, body);
        }
    }

    /** {@code body} against the deployment under test ({@link #SERVLET}) serving {@code endpoint}. */
    static void serve(Path dir, Endpoint endpoint, Store store, Body body) throws Exception {
        if (SERVLET) {
            try (ServletServer server = new ServletServer(Files.createDirectories(dir.resolve("tomcat")), endpoint, store)) {
                body.run("http://127.0.0.1:" + server.port() + NotifyServer.NOTIFY_PATH, store);
            }
            return;
        }
        try (NotifyServer server = new NotifyServer(new InetSocketAddress("127.0.0.1", 0), endpoint, store, 0)) {
            body.run("http://127.0.0.1:" + server.address().getPort() + NotifyServer.NOTIFY_PATH, store);
        }
    }

    /**
     * The deployment under test: the JDK's HttpServer ({@link NotifyServer}), or with
     * {@code -Dwechatpay.notify.exampleServer=servlet} {@link NotifyServlet} on an embedded Tomcat; the
     * cases that start servers or processes of their own run with the first only.
     */
    static final boolean SERVLET = "servlet".equals(System.getProperty("wechatpay.notify.exampleServer"));

    static void httpServerOnly() {
        assumeTrue(!SERVLET, "the HttpServer deployment's own case (servers and processes of its own)");
    }

    // ---- the CLI ----

    static final class Result {
        final int exit;
        final String stdout;

        Result(int exit, String stdout) {
            this.exit = exit;
            this.stdout = stdout;
        }
    }

    static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
        }
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }

    /** Runs the CLI with exactly the given key variables; its exit status and stdout (stderr kept for failures). */
    static Result cli(List<String> args, Map<String, String> env) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(cli);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("WECHATPAY_API_KEY");
        pb.environment().remove("WECHATPAY_API_V3_KEY");
        pb.environment().putAll(env);
        File err = File.createTempFile("wechatpay-cli", ".err");
        pb.redirectError(err);
        Process p = pb.start();
        String out = readAll(p.getInputStream());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the CLI finished");
        String stderr = new String(Files.readAllBytes(err.toPath()), StandardCharsets.UTF_8);
        Files.delete(err.toPath());
        assertTrue(p.exitValue() <= 1, "wechatpay-notify " + args + ": exit " + p.exitValue() + ": " + stderr);
        return new Result(p.exitValue(), out);
    }

    static Map<String, String> env(String name, String value) {
        return Collections.singletonMap(name, value);
    }

    /** A request as WeChat Pay sends it: the headers (APIv3) and the raw body. */
    static final class Request {
        final Map<String, String> headers = new LinkedHashMap<>();
        byte[] body;

        Request copy() {
            Request r = new Request();
            r.headers.putAll(headers);
            r.body = body.clone();
            return r;
        }
    }

    /** {@code wechatpay-notify simulate ... --print}: the headers (APIv3), a blank line, the body. */
    static Request printed(List<String> args, Map<String, String> env) throws Exception {
        List<String> all = new ArrayList<>();
        all.add("simulate");
        all.addAll(args);
        all.add("--print");
        Result r = cli(all, env);
        assertEquals(0, r.exit, "simulate --print");
        assertTrue(r.stdout.endsWith("\n"), "a printed request ends with a newline");
        String text = r.stdout.substring(0, r.stdout.length() - 1);
        Request req = new Request();
        if (args.get(0).equals("v3")) {
            int blank = text.indexOf("\n\n");
            for (String line : text.substring(0, blank).split("\n")) {
                int colon = line.indexOf(": ");
                req.headers.put(line.substring(0, colon), line.substring(colon + 2));
            }
            text = text.substring(blank + 2);
        }
        req.body = text.getBytes(StandardCharsets.UTF_8);
        return req;
    }

    /** {@code command}, then each default option (name, value) that {@code extra} does not give, then {@code extra}. */
    static List<String> args(List<String> command, String[] defaults, String... extra) {
        List<String> args = new ArrayList<>(command);
        List<String> given = Arrays.asList(extra);
        for (int i = 0; i < defaults.length; i += 2) {
            if (!given.contains(defaults[i])) {
                args.add(defaults[i]);
                args.add(defaults[i + 1]);
            }
        }
        args.addAll(given);
        return args;
    }

    /** A v2 payment of {@code m} naming its mch_id, signed with its algorithm and key (or {@code signKey}, to forge). */
    static byte[] v2Pay(Merchant m, String order, long fee, String signKey, String... extra) throws Exception {
        List<String> args = args(Collections.singletonList("pay"), new String[] {"--sign-type", m.signType, "--mch-id", m.mchId,
            "--out-trade-no", order, "--total-fee", Long.toString(fee)}, extra);
        return printed(args, env("WECHATPAY_API_KEY", signKey != null ? signKey : m.v2Key)).body;
    }

    /** An APIv3 notification of {@code m}, signed with {@code signer}'s private key under {@code m}'s key id, the resource under {@code v3Key}. */
    static Request v3(String what, Merchant m, Merchant signer, String v3Key, String... extra) throws Exception {
        List<String> args = args(Arrays.asList("v3", what, "--private-key", signer.privateKey.toString()),
                new String[] {"--key-id", m.keyId, "--mch-id", m.mchId}, extra);
        return printed(args, env("WECHATPAY_API_V3_KEY", v3Key));
    }

    static Request v3Pay(Merchant m, String order, long fee, String... extra) throws Exception {
        return v3("pay", m, m, m.v3Key, concat(new String[] {"--out-trade-no", order, "--total-fee", Long.toString(fee)}, extra));
    }

    /** A v2 refund of {@code m} (req_info encrypted as WeChat Pay does). */
    static byte[] v2Refund(Merchant m, String order, long fee, String... extra) throws Exception {
        List<String> args = args(Collections.singletonList("refund"), new String[] {"--mch-id", m.mchId, "--out-trade-no", order,
            "--total-fee", Long.toString(fee)}, extra);
        return printed(args, env("WECHATPAY_API_KEY", m.v2Key)).body;
    }

    /** A genuine APIv3 request read back with the library's V3Verifier. */
    static V3Notification read(Merchant m, Request r) throws IOException {
        String pem = new String(Files.readAllBytes(m.publicKey), StandardCharsets.UTF_8);
        try (V3Verifier v = V3Verifier.create(m.v3Key, Collections.singletonMap(m.keyId, pem))) {
            return v.verify(r.headers, r.body);
        }
    }

    static String tx(Merchant m, Request r) throws IOException {
        return read(m, r).transaction().transactionId();
    }

    /** The transaction_id of a genuine v2 payment, read back with the library's Verifier. */
    static String tx(Merchant m, byte[] payment) {
        try (Verifier v = Verifier.create(m.v2Key, m.signType)) {
            return v.verifyPayment(payment).transactionId();
        }
    }

    // ---- HTTP ----

    /**
     * One request over a new loopback connection ({@code Connection: close}); "status|content type|body".
     * A minimal HTTP/1.1 client on a socket, the body written alongside the reading: the server may
     * answer ("too large") before it has read the whole body and then close the connection, which
     * HttpURLConnection reports as an error instead of the reply.
     */
    static String post(String url, byte[] body, Map<String, String> headers, String method) throws IOException {
        URL u = new URL(url);
        StringBuilder head = new StringBuilder(method + " " + u.getPath() + " HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort()
                + "\r\nConnection: close\r\n");
        if (body != null) {
            head.append("Content-Type: ").append(headers != null && !headers.isEmpty() ? "application/json" : "text/xml").append("\r\n");
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        if (headers != null) {
            headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        }
        head.append("\r\n");
        byte[] request = head.toString().getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("127.0.0.1", u.getPort())) {
            socket.setSoTimeout(60000);
            OutputStream out = socket.getOutputStream();
            Thread writer = new Thread(() -> {
                try {
                    out.write(request);
                    if (body != null) {
                        out.write(body);
                    }
                    out.flush();
                } catch (IOException e) {
                    // The server answered and closed the connection first.
                }
            });
            writer.setDaemon(true);
            writer.start();
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            try {
                InputStream in = socket.getInputStream();
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    raw.write(buf, 0, n);
                }
            } catch (IOException e) {
                // A reset after the response: what was read is checked below.
            }
            try {
                writer.join(60000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String text = new String(raw.toByteArray(), StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            assertTrue(split > 0, "a complete response head: " + text);
            String[] lines = text.substring(0, split).split("\r\n");
            String status = lines[0].split(" ")[1];
            String type = "";
            int length = -1;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                String name = lines[i].substring(0, colon).trim().toLowerCase();
                String value = lines[i].substring(colon + 1).trim();
                if (name.equals("content-type")) {
                    type = value;
                } else if (name.equals("content-length")) {
                    length = Integer.parseInt(value);
                }
            }
            String rest = text.substring(split + 4);
            assertEquals(length < 0 ? rest.getBytes(StandardCharsets.UTF_8).length : length, rest.getBytes(StandardCharsets.UTF_8).length,
                    "Content-Length against the body");
            return status + "|" + type + "|" + rest;
        }
    }

    static String post(String url, byte[] body) throws IOException {
        return post(url, body, null, "POST");
    }

    static String post(String url, Request r) throws IOException {
        return post(url, r.body, r.headers, "POST");
    }

    static String v2Refused(int status) {
        return status + "|text/xml|" + FAIL;
    }

    static String v3Refused(int status) {
        return status + "|application/json|" + V3_FAIL;
    }

    static String payments(Store s) throws Exception {
        return String.join("\n", s.rows("SELECT merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome FROM payments ORDER BY rowid"));
    }

    static String discrepancies(Store s) throws Exception {
        return String.join("\n", s.rows("SELECT merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen, reason FROM discrepancies ORDER BY rowid"));
    }

    static String order(Store s, Merchant m, String no) throws Exception {
        return String.join("\n", s.rows("SELECT amount_fen, status, transaction_id FROM orders WHERE merchant = ? AND out_trade_no = ?", m.label, no));
    }

    static int count(Store s, String table) throws Exception {
        return s.rows("SELECT * FROM " + table).size();
    }

    static byte[] sample(String name) throws IOException {
        return Files.readAllBytes(ROOT.resolve("examples/notifications/" + name));
    }

    /** {@code wechatpay-notify simulate ARGS --url URL}: the JSON report. */
    static JsonObject simulate(String url, Map<String, String> env, String... args) throws Exception {
        List<String> all = new ArrayList<>();
        all.add("simulate");
        all.addAll(Arrays.asList(args));
        all.add("--url");
        all.add(url);
        return JsonParser.parseString(cli(all, env).stdout).getAsJsonObject();
    }

    /** "status|reply_ok" of each attempt. */
    static String attempts(JsonObject report) {
        List<String> parts = new ArrayList<>();
        for (JsonElement e : report.getAsJsonArray("attempts")) {
            parts.add(e.getAsJsonObject().get("status").getAsInt() + "|" + e.getAsJsonObject().get("reply_ok").getAsBoolean());
        }
        return String.join(",", parts);
    }

    // ---- the cases ----

    @Test
    void paymentsOfBothMerchantsPayTheirOrdersOnceUnderRetries(@TempDir Path dir) throws Exception {
        withServer(dir, (url, s) -> {
            byte[] a2 = sample("pay-md5.xml");
            byte[] b2 = v2Pay(b, SAMPLE_ORDER, 303, null);
            Request a3 = v3Pay(a, "o-2", 202);
            Request b3 = v3Pay(b, "o-3", 404);
            for (int i = 0; i < 3; i++) {
                assertEquals(V2_OK, post(url, a2), "shop-a v2");
                assertEquals(V3_OK, post(url, a3), "shop-a v3");
                assertEquals(V2_OK, post(url, b2), "shop-b v2");
                assertEquals(V3_OK, post(url, b3), "shop-b v3");
            }
            String txA3 = tx(a, a3);
            String txB3 = tx(b, b3);
            String txB2 = tx(b, b2);
            assertEquals("shop-a|" + SAMPLE_TX + "|v2|" + SAMPLE_ORDER + "|101|SUCCESS|paid\n"
                    + "shop-a|" + txA3 + "|v3|o-2|202|SUCCESS|paid\n"
                    + "shop-b|" + txB2 + "|v2|" + SAMPLE_ORDER + "|303|SUCCESS|paid\n"
                    + "shop-b|" + txB3 + "|v3|o-3|404|SUCCESS|paid", payments(s), "one payment each");
            assertEquals("101|paid|" + SAMPLE_TX, order(s, a, SAMPLE_ORDER));
            assertEquals("202|paid|" + txA3, order(s, a, "o-2"));
            assertEquals("303|paid|" + txB2, order(s, b, SAMPLE_ORDER), "shop-b's order of the same number");
            assertEquals("404|paid|" + txB3, order(s, b, "o-3"));
            assertEquals("", discrepancies(s));
        }, "shop-a", SAMPLE_ORDER, 101, "shop-a", "o-2", 202, "shop-b", SAMPLE_ORDER, 303, "shop-b", "o-3", 404);
    }

    @Test
    void theV2AndV3DeliveriesOfOnePaymentAreRecordedOnceInEitherOrder(@TempDir Path dir) throws Exception {
        withServer(dir, (url, s) -> {
            Request a3 = v3Pay(a, "o-5", 500);
            Request b3 = v3Pay(b, "o-6", 600);
            String txA = tx(a, a3);
            String txB = tx(b, b3);
            assertEquals(V3_OK, post(url, a3), "a v3");
            assertEquals(V2_OK, post(url, v2Pay(a, "o-5", 500, null, "--transaction-id", txA)), "a v2 of the same transaction");
            assertEquals(V3_OK, post(url, a3), "a v3 again");
            assertEquals(V2_OK, post(url, v2Pay(b, "o-6", 600, null, "--transaction-id", txB)), "b v2");
            assertEquals(V3_OK, post(url, b3), "b v3 of the same transaction");
            assertEquals("shop-a|" + txA + "|v3|o-5|500|SUCCESS|paid\nshop-b|" + txB + "|v2|o-6|600|SUCCESS|paid", payments(s));
            assertEquals("500|paid|" + txA, order(s, a, "o-5"));
            assertEquals("600|paid|" + txB, order(s, b, "o-6"));
            assertEquals("", discrepancies(s));
        }, "shop-a", "o-5", 500, "shop-b", "o-6", 600);
    }

    @Test
    void mismatchesUnknownOrdersSecondTransactionsAndFailedPayments(@TempDir Path dir) throws Exception {
        withServer(dir, (url, s) -> {
            Request b3 = v3Pay(b, "o-2", 99);
            Request a3 = v3Pay(a, "o-9", 900);
            for (int i = 0; i < 2; i++) {
                assertEquals(V2_OK, post(url, sample("pay-md5.xml")), "sample: 101 against 100");
                assertEquals(V3_OK, post(url, b3), "v3: 99 against 100");
                assertEquals(V3_OK, post(url, a3), "v3: shop-b's order");
            }
            byte[] first = v2Pay(a, "o-1", 500, null);
            byte[] second = v2Pay(a, "o-1", 500, null);
            byte[] failedV2 = v2Pay(a, "o-3", 500, null, "--result", "FAIL");
            for (byte[] body : Arrays.asList(first, second, failedV2, failedV2)) {
                assertEquals(V2_OK, post(url, body), "acknowledged");
            }
            Request failedV3 = v3Pay(b, "o-4", 500, "--result", "FAIL");
            assertEquals(V3_OK, post(url, failedV3), "v3 failed payment");
            assertEquals("shop-a|" + SAMPLE_TX + "|" + SAMPLE_ORDER + "|101|100|amount_mismatch\n"
                    + "shop-b|" + tx(b, b3) + "|o-2|99|100|amount_mismatch\n"
                    + "shop-a|" + tx(a, a3) + "|o-9|900||unknown_order\n"
                    + "shop-a|" + tx(a, second) + "|o-1|500|500|already_paid", discrepancies(s));
            assertEquals("100|pending|", order(s, a, SAMPLE_ORDER), "not paid");
            assertEquals("100|pending|", order(s, b, "o-2"), "not paid");
            assertEquals("900|pending|", order(s, b, "o-9"), "shop-b's order untouched");
            assertEquals("500|paid|" + tx(a, first), order(s, a, "o-1"), "paid by the first");
            assertEquals("500|pending|", order(s, a, "o-3"), "a failed v2 payment pays nothing");
            assertEquals("500|pending|", order(s, b, "o-4"), "a failed v3 payment pays nothing");
            List<String> failed = s.rows("SELECT merchant, dedupe_key, result, outcome FROM payments WHERE outcome = 'failed' ORDER BY rowid");
            assertEquals(Arrays.asList("shop-a|" + tx(a, failedV2) + ":FAIL|FAIL|failed",
                    "shop-b|" + read(b, failedV3).transaction().transactionId() + ":" + read(b, failedV3).transaction().tradeState() + "|"
                            + read(b, failedV3).transaction().tradeState() + "|failed"), failed, "an unsuccessful payment's key names its state");
        }, "shop-a", SAMPLE_ORDER, 100, "shop-b", "o-2", 100, "shop-b", "o-9", 900, "shop-a", "o-1", 500, "shop-a", "o-3", 500,
                "shop-b", "o-4", 500);
    }

    @Test
    void crossMerchantForgeriesAreRefusedAndRecordNothing(@TempDir Path dir) throws Exception {
        withServer(dir, (url, s) -> {
            assertEquals(v2Refused(200), post(url, v2Pay(a, "o-1", 100, b.v2Key)), "names shop-a, shop-b's key");
            assertEquals(v2Refused(200), post(url, v2Pay(b, "o-1", 100, a.v2Key)), "names shop-b, shop-a's key");
            assertEquals(v2Refused(200), post(url, sample("pay-forged.xml")), "the tampered sample");
            assertEquals(v3Refused(401), post(url, v3("pay", a, b, a.v3Key)), "shop-a's key id, shop-b's signature");
            assertEquals(v3Refused(400), post(url, v3("pay", b, b, a.v3Key)), "shop-b's request, shop-a's APIv3 key: decrypt_failed");
            String named = new String(v2Refund(b, "o-1", 100), StandardCharsets.UTF_8).replace(b.mchId, a.mchId);
            assertEquals(v2Refused(200), post(url, named.getBytes(StandardCharsets.UTF_8)), "a refund naming shop-a under shop-b's key");
            assertEquals(v3Refused(401), post(url, v3("pay", a, a, a.v3Key, "--mch-id", b.mchId)),
                    "shop-a's key id, a resource naming shop-b's mchid: merchant_mismatch");
            assertEquals(0, count(s, "payments") + count(s, "refunds"), "nothing recorded");
            assertEquals("100|pending|", order(s, a, "o-1"));
            assertEquals("100|pending|", order(s, b, "o-1"));
        }, "shop-a", "o-1", 100, "shop-b", "o-1", 100);
    }

    @Test
    void apiV3StaleProbesUnknownKeysMissingHeadersAndReserialisedBodiesAreRefused(@TempDir Path dir) throws Exception {
        withServer(dir, (url, s) -> {
            assertEquals(v3Refused(401), post(url, v3Pay(a, "o-1", 100, "--stale-timestamp")), "stale");
            assertEquals(v3Refused(401), post(url, v3Pay(a, "o-1", 100, "--probe")), "probe");
            Request unknown = v3Pay(a, "o-1", 100);
            unknown.headers.put("Wechatpay-Serial", "PUB_KEY_ID_0199999999999999999999999999");
            assertEquals(v3Refused(401), post(url, unknown), "unknown key id");
            Request genuine = v3Pay(a, "o-1", 100);
            Request missing = genuine.copy();
            missing.headers.remove("Wechatpay-Timestamp");
            assertEquals(v3Refused(401), post(url, missing), "missing header");
            Request reserialised = genuine.copy();
            reserialised.body = new String(genuine.body, StandardCharsets.UTF_8).replace("\",\"", "\", \"").getBytes(StandardCharsets.UTF_8);
            assertEquals(v3Refused(401), post(url, reserialised), "re-serialised body");
            assertEquals(0, count(s, "payments"), "nothing recorded");
            assertEquals(V3_OK, post(url, genuine), "the genuine one");
            assertEquals("100|paid|" + tx(a, genuine), order(s, a, "o-1"));
        }, "shop-a", "o-1", 100);
    }

    @Test
    void refundsAreRecordedOncePerStateAndMoveForwardOnly(@TempDir Path dir) throws Exception {
        withServer(dir, (url, s) -> {
            assertEquals(V2_OK, post(url, sample("pay-md5.xml")), "payment");
            byte[] a2 = v2Refund(a, SAMPLE_ORDER, 101);
            Request b3 = v3("refund", b, b, b.v3Key, "--out-trade-no", "o-7", "--total-fee", "70");
            for (int i = 0; i < 2; i++) {
                assertEquals(V2_OK, post(url, a2), "v2 refund");
                assertEquals(V3_OK, post(url, b3), "v3 refund");
            }
            assertEquals(Arrays.asList("shop-a|v2|" + SAMPLE_ORDER + "|101|SUCCESS", "shop-b|v3|o-7|70|SUCCESS"),
                    s.rows("SELECT merchant, version, out_trade_no, refund_fee, refund_status FROM refunds ORDER BY rowid"));
            String refundB = read(b, b3).refund().refundId();
            assertEquals("SUCCESS", s.refundState("shop-b", refundB));
            assertEquals("101|paid|" + SAMPLE_TX, order(s, a, SAMPLE_ORDER), "order untouched");
            assertEquals(1, count(s, "payments"), "payments untouched");

            // One refund, several states (simulate --refund-id --refund-status), in both versions.
            String rid = "50000000382026112700000000077";
            String[] common = {"--refund-id", rid, "--out-trade-no", SAMPLE_ORDER, "--total-fee", "101"};
            byte[] change = v2Refund(a, SAMPLE_ORDER, 101, concat(common, "--refund-status", "CHANGE"));
            byte[] success = v2Refund(a, SAMPLE_ORDER, 101, concat(common, "--refund-status", "SUCCESS"));
            byte[] close = v2Refund(a, SAMPLE_ORDER, 101, concat(common, "--refund-status", "REFUNDCLOSE"));
            Request abnormalV3 = v3("refund", a, a, a.v3Key, concat(common, "--refund-status", "ABNORMAL"));
            assertEquals(V2_OK, post(url, change), "ABNORMAL (v2 CHANGE)");
            assertEquals("ABNORMAL", s.refundState("shop-a", rid));
            assertEquals(V2_OK, post(url, success), "SUCCESS");
            assertEquals("SUCCESS", s.refundState("shop-a", rid));
            assertEquals(V3_OK, post(url, abnormalV3), "the v3 delivery of ABNORMAL, late: the same key as CHANGE");
            for (byte[] late : Arrays.asList(change, success, close, change)) {
                assertEquals(V2_OK, post(url, late), "a late or repeated delivery is acknowledged");
            }
            assertEquals("SUCCESS", s.refundState("shop-a", rid), "never back from SUCCESS");
            assertEquals(Arrays.asList(rid + ":ABNORMAL|CHANGE", rid + ":SUCCESS|SUCCESS", rid + ":CLOSED|REFUNDCLOSE"),
                    s.rows("SELECT dedupe_key, refund_status FROM refunds WHERE merchant = 'shop-a' AND dedupe_key LIKE ? ORDER BY rowid", rid + ":%"),
                    "each state once, whichever version delivered it");
            String rid2 = "50000000382026112700000000078";
            String[] other = {"--refund-id", rid2, "--out-trade-no", "o-8", "--total-fee", "80"};
            assertEquals(V3_OK, post(url, v3("refund", b, b, b.v3Key, concat(other, "--refund-status", "ABNORMAL"))), "B ABNORMAL");
            assertEquals(V3_OK, post(url, v3("refund", b, b, b.v3Key, concat(other, "--refund-status", "CLOSED"))), "B CLOSED");
            assertEquals(V2_OK, post(url, v2Refund(b, "o-8", 80, concat(other, "--refund-status", "SUCCESS"))), "B SUCCESS after CLOSED");
            assertEquals("CLOSED", s.refundState("shop-b", rid2), "never back from CLOSED");
        }, "shop-a", SAMPLE_ORDER, 101);
    }

    static String[] concat(String[] first, String... more) {
        String[] all = Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    @Test
    void oversizedUndecidableUnknownMerchantWrongMethodAndWrongPath(@TempDir Path dir) throws Exception {
        withServer(dir, (url, s) -> {
            byte[] pay = sample("pay-md5.xml");
            String text = new String(pay, StandardCharsets.UTF_8);
            String padded = text.replace("<xml>", "<xml>" + new String(new char[MAX_BODY_BYTES - pay.length]).replace('\0', ' '));
            assertEquals(MAX_BODY_BYTES, padded.getBytes(StandardCharsets.UTF_8).length, "padded to the limit");
            assertEquals(v2Refused(400), post(url, (padded + " ").getBytes(StandardCharsets.UTF_8)), "one byte over");
            assertEquals(v2Refused(400), post(url, new byte[1000000]), "far over");
            Request big = v3Pay(a, "o-1", 1);
            big.body = (new String(big.body, StandardCharsets.UTF_8) + new String(new char[MAX_BODY_BYTES]).replace('\0', ' '))
                    .getBytes(StandardCharsets.UTF_8);
            assertEquals(v3Refused(400), post(url, big), "v3 over");
            assertEquals(v2Refused(400), post(url, "{\"id\":1}".getBytes(StandardCharsets.UTF_8)), "neither version");
            assertEquals(v2Refused(400), post(url, "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><a>&e;</a></xml>"
                    .getBytes(StandardCharsets.UTF_8)), "DOCTYPE");
            assertEquals(v2Refused(200), post(url, v2Pay(a, "o-1", 1, null, "--mch-id", "19999999")), "unknown mch_id");
            assertEquals("405|text/xml|" + FAIL, post(url, null, null, "GET"), "GET");
            assertTrue(post(url.replace("/wechatpay/notify", "/elsewhere"), pay).startsWith("404|"), "another path");
            assertEquals(0, count(s, "payments"), "nothing recorded");
            assertEquals(V2_OK, post(url, padded.getBytes(StandardCharsets.UTF_8)), "exactly at the limit");
            assertEquals(1, count(s, "payments"), "recorded");
        }, "shop-a", SAMPLE_ORDER, 101);
    }

    @Test
    void aDatabaseThatFailsIsNotAcknowledged(@TempDir Path dir) throws Exception {
        withServer(dir, (url, s) -> {
            // The file goes away under the running server: the next write finds no tables.
            try (java.util.stream.Stream<Path> files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (f.getFileName().toString().startsWith("payments.sqlite3")) {
                        Files.delete(f);
                    }
                }
            }
            assertEquals("500|text/xml|" + FAIL, post(url, sample("pay-md5.xml")), "v2: the library's internal-failure reply");
            assertEquals("500|application/json|" + V3_FAIL, post(url, v3Pay(b, "o-1", 1)), "v3");
        });
    }

    @Test
    void aClosedEndpointIsOurFailure(@TempDir Path dir) throws Exception {
        Store store = new Store(dir.resolve("payments.sqlite3").toString());
        Endpoint endpoint = Endpoint.fromProfilesFile(writeProfiles(dir, null));
        serve(dir, endpoint, store, (url, s) -> {
            endpoint.close(); // a deployment mistake: the server outlives its endpoint
            assertEquals("500|text/xml|" + FAIL, post(url, sample("pay-md5.xml")), "v2: 500, WeChat Pay retries");
            assertEquals("500|application/json|" + V3_FAIL, post(url, v3Pay(a, "o-1", 1)), "v3");
        });
        assertEquals(0, count(store, "payments"));
    }

    @Test
    void concurrentDuplicatesAcrossTwoServersPayEachOrderOnce(@TempDir Path dir) throws Exception {
        httpServerOnly();
        Path db = dir.resolve("shared.sqlite3");
        Store store = new Store(db.toString());
        store.createOrder("shop-a", "o-1", 100);
        store.createOrder("shop-b", "o-2", 200);
        Request v3 = v3Pay(a, "o-1", 100);
        byte[] v2 = v2Pay(a, "o-1", 100, null, "--transaction-id", tx(a, v3));
        List<byte[]> rivals = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            rivals.add(v2Pay(b, "o-2", 200, null));
        }
        Path profiles = writeProfiles(Files.createDirectories(dir.resolve("conf")), null);
        try (Endpoint endpoint = Endpoint.fromProfilesFile(profiles);
                NotifyServer one = new NotifyServer(new InetSocketAddress("127.0.0.1", 0), endpoint, new Store(db.toString()), 0);
                NotifyServer two = new NotifyServer(new InetSocketAddress("127.0.0.1", 0), endpoint, new Store(db.toString()), 0)) {
            String[] urls = {"http://127.0.0.1:" + one.address().getPort() + NotifyServer.NOTIFY_PATH,
                "http://127.0.0.1:" + two.address().getPort() + NotifyServer.NOTIFY_PATH};
            ExecutorService pool = Executors.newFixedThreadPool(24);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> replies = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                final int n = i;
                replies.add(pool.submit(() -> {
                    go.await();
                    return post(urls[n % 2], v2);
                }));
                replies.add(pool.submit(() -> {
                    go.await();
                    return post(urls[(n + 1) % 2], v3);
                }));
                replies.add(pool.submit(() -> {
                    go.await();
                    return post(urls[n % 2], rivals.get(n));
                }));
            }
            go.countDown();
            for (Future<String> f : replies) {
                String reply = f.get(120, TimeUnit.SECONDS);
                assertTrue(reply.equals(V2_OK) || reply.equals(V3_OK), reply);
            }
            pool.shutdown();
        }
        assertEquals(1, store.rows("SELECT * FROM payments WHERE merchant = 'shop-a'").size(), "one payment of shop-a, 16 deliveries");
        assertEquals("paid", order(store, a, "o-1").split("\\|")[1]);
        assertEquals(1, store.rows("SELECT * FROM payments WHERE merchant = 'shop-b' AND outcome = 'paid'").size(), "shop-b's order paid once");
        assertEquals(7, store.rows("SELECT * FROM discrepancies WHERE merchant = 'shop-b' AND reason = 'already_paid'").size(), "7 already_paid");
    }

    @Test
    void theProfilesFilesRulesAreTheLibrarysLoaders(@TempDir Path dir) throws Exception {
        httpServerOnly();
        Path profiles = writeProfiles(dir, null);
        String good = new String(Files.readAllBytes(profiles), StandardCharsets.UTF_8);
        String[][] broken = {
            {"an inline key", good.replace("\"api_key_file\":\"shop-a/api_key.txt\"", "\"api_key\":\"" + a.v2Key + "\"")},
            {"a misspelt setting", good.replace("\"sign_type\":\"MD5\"", "\"signType\":\"MD5\"")},
            {"no sign_type", good.replace(",\"sign_type\":\"MD5\"", "")},
            {"a duplicate mch_id", good.replace("\"mch_id\":\"10000200\"", "\"mch_id\":\"10000100\"")},
            {"an unset variable", good.replace("\"api_v3_key_file\":\"shop-a/api_v3_key.txt\"", "\"api_v3_key_env\":\"WECHATPAY_JAVA_TEST_UNSET\"")},
            {"a key of the wrong length", null},
        };
        for (String[] c : broken) {
            if (c[1] == null) {
                writePrivate(dir.resolve("shop-b/api_v3_key.txt"), "short\n");
                c[1] = good;
            }
            if (!c[0].equals("a key of the wrong length")) {
                assertNotEquals(good, c[1], c[0] + ": the file was changed");
            }
            writePrivate(profiles, c[1]);
            try {
                Endpoint.fromProfilesFile(profiles).close();
                throw new AssertionError(c[0] + " was accepted");
            } catch (NotifyException e) {
                assertEquals("invalid_config", e.getCode(), c[0]);
                assertFalse(e.getMessage().contains(a.v2Key) || e.getMessage().contains(b.v3Key), c[0] + ": no key in the message");
            }
        }
        writePrivate(dir.resolve("shop-b/api_v3_key.txt"), b.v3Key + "\n");
        writePrivate(profiles, good);
        Files.setPosixFilePermissions(profiles, PosixFilePermissions.fromString("rw-r--r--"));
        try {
            Endpoint.fromProfilesFile(profiles).close();
            throw new AssertionError("a profiles file others can read was accepted");
        } catch (NotifyException e) {
            assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
        }
    }

    // ---- the server as a process, driven by simulate ----

    static Process startServer(Path dir, Path profiles, int failFirst, int port) throws IOException {
        String cp = System.getProperty("wechatpay.notify.exampleClasspath");
        assumeTrue(cp != null, "run by scripts/test-java.sh (wechatpay.notify.exampleClasspath)");
        ProcessBuilder pb = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp,
                Main.class.getName(), "http://127.0.0.1:" + port + "/");
        pb.environment().put("WECHATPAY_PROFILES", profiles.toString());
        pb.environment().put("WECHATPAY_DB", dir.resolve("payments.sqlite3").toString());
        pb.environment().put("TEST_SHOP_A_API_V3_KEY", a.v3Key); // shop-a's APIv3 key, named by the profiles
        pb.environment().put("WECHATPAY_EXAMPLE_FAIL_FIRST", Integer.toString(failFirst));
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile());
        return pb.start();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void awaitListening(Path dir, Process p) throws Exception {
        Path log = dir.resolve("server.log");
        for (int i = 0; i < 300; i++) {
            if (Files.exists(log) && new String(Files.readAllBytes(log), StandardCharsets.UTF_8).contains("listening on")) {
                return;
            }
            assertTrue(p.isAlive(), "the server exited: " + (Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8) : ""));
            Thread.sleep(50);
        }
        throw new AssertionError("the server did not start");
    }

    static Result main(Path dir, Map<String, String> env, String... args) throws Exception {
        String cp = System.getProperty("wechatpay.notify.exampleClasspath");
        assumeTrue(cp != null, "run by scripts/test-java.sh (wechatpay.notify.exampleClasspath)");
        List<String> cmd = new ArrayList<>(Arrays.asList(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp,
                Main.class.getName()));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("WECHATPAY_DB", dir.resolve("payments.sqlite3").toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = readAll(p.getInputStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out);
    }

    @Test
    void theServerProcessDrivenBySimulateWithRetriesKeygenKeysAndRefusals(@TempDir Path dir) throws Exception {
        httpServerOnly();
        // shop-a trusts a key made by keygen (the profiles name its APIv3 key by a variable).
        Result keygen = cli(Arrays.asList("keygen", "--out", dir.resolve("keygen").toString()), Collections.emptyMap());
        assertEquals(0, keygen.exit, "keygen");
        String keyId = new String(Files.readAllBytes(dir.resolve("keygen/test_key_id.txt")), StandardCharsets.UTF_8).trim();
        Path profiles = writeProfiles(Files.createDirectories(dir.resolve("conf")), "TEST_SHOP_A_API_V3_KEY");
        String text = new String(Files.readAllBytes(profiles), StandardCharsets.UTF_8)
                .replace("\"" + a.keyId + "\":\"shop-a/wechatpay_public_key.pem\"", "\"" + keyId + "\":\"" + dir.resolve("keygen/test_public_key.pem") + "\"");
        writePrivate(profiles, text);
        Map<String, String> none = Collections.emptyMap();
        assertEquals(0, main(dir, none, "add-order", "shop-a", "o-1", "101").exit, "add-order");
        assertEquals(0, main(dir, none, "add-order", "shop-a", "o-2", "202").exit);
        assertEquals(0, main(dir, none, "add-order", "shop-b", "o-3", "303").exit);
        assertEquals(0, main(dir, none, "add-order", "shop-a", "o-4", "404").exit);
        assertEquals(0, main(dir, none, "add-order", "shop-a", "o-5", "505").exit);
        assertEquals(2, main(dir, none, "add-order", "shop-a", "o-6", "-1").exit, "a bad amount is a usage error");

        Map<String, String> aKey = env("WECHATPAY_API_KEY", a.v2Key);
        Map<String, String> aV3 = env("WECHATPAY_API_V3_KEY", a.v3Key);
        String[] v3args = {"v3", "pay", "--private-key", dir.resolve("keygen/test_private_key.pem").toString(), "--key-id", keyId,
            "--mch-id", a.mchId, "--out-trade-no", "o-2", "--total-fee", "202"};
        // With the test-only switch the first two requests get 500: WeChat Pay's retries, 100 times faster.
        for (String version : Arrays.asList("v2", "v3")) {
            int port = freePort();
            Process server = startServer(dir, profiles, 2, port);
            try {
                awaitListening(dir, server);
                String url = "http://127.0.0.1:" + port + NotifyServer.NOTIFY_PATH;
                JsonObject r = version.equals("v2")
                        ? simulate(url, aKey, "pay", "--mch-id", a.mchId, "--out-trade-no", "o-4", "--total-fee", "404",
                                "--until-success", "--time-scale", "0.01")
                        : simulate(url, aV3, "v3", "pay", "--private-key", dir.resolve("keygen/test_private_key.pem").toString(), "--key-id",
                                keyId, "--mch-id", a.mchId, "--out-trade-no", "o-5", "--total-fee", "505", "--until-success", "--time-scale", "0.01");
                assertEquals(version.equals("v2") ? "500|false,500|false,200|true" : "500|false,500|false,204|true", attempts(r),
                        version + " retried until acknowledged");
            } finally {
                server.destroy();
                server.waitFor(30, TimeUnit.SECONDS);
            }
        }
        int port = freePort();
        Process server = startServer(dir, profiles, 0, port);
        try {
            awaitListening(dir, server);
            String url = "http://127.0.0.1:" + port + NotifyServer.NOTIFY_PATH;
            JsonObject r;
            // simulate pay --repeat 3 for each merchant: acknowledged each time, recorded once.
            r = simulate(url, aKey, "pay", "--mch-id", a.mchId, "--out-trade-no", "o-1", "--total-fee", "101", "--repeat", "3");
            assertTrue(r.get("reply_ok").getAsBoolean(), r.toString());
            assertEquals("200|true,200|true,200|true", attempts(r));
            r = simulate(url, env("WECHATPAY_API_KEY", b.v2Key), "pay", "--sign-type", b.signType, "--mch-id", b.mchId,
                    "--out-trade-no", "o-3", "--total-fee", "303", "--repeat", "3");
            assertTrue(r.get("reply_ok").getAsBoolean(), r.toString());
            // A forged key is refused.
            r = simulate(url, env("WECHATPAY_API_KEY", b.v2Key), "pay", "--mch-id", a.mchId, "--out-trade-no", "o-1", "--total-fee", "101");
            assertFalse(r.get("reply_ok").getAsBoolean(), "shop-a's mch_id signed with shop-b's key");
            // APIv3 with the keygen key the profiles trust; its stale timestamp and probe refused.
            r = simulate(url, aV3, concat(v3args, "--repeat", "2"));
            assertEquals("204|true,204|true", attempts(r));
            assertFalse(simulate(url, aV3, concat(v3args, "--stale-timestamp")).get("reply_ok").getAsBoolean(), "stale");
            assertFalse(simulate(url, aV3, concat(v3args, "--probe")).get("reply_ok").getAsBoolean(), "probe");
        } finally {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }
        Store s = new Store(dir.resolve("payments.sqlite3").toString());
        for (String[] o : new String[][] {{"shop-a", "o-1"}, {"shop-a", "o-2"}, {"shop-b", "o-3"}, {"shop-a", "o-4"}, {"shop-a", "o-5"}}) {
            assertEquals("paid", s.rows("SELECT status FROM orders WHERE merchant = ? AND out_trade_no = ?", o[0], o[1]).get(0), o[0] + " " + o[1]);
        }
        assertEquals(5, count(s, "payments"), "each paid once");
        assertEquals(0, count(s, "discrepancies"));
        String log = new String(Files.readAllBytes(dir.resolve("server.log")), StandardCharsets.UTF_8);
        assertTrue(log.contains("rejected v2 notification for shop-a: signature_mismatch"), log);
        assertFalse(log.contains(a.v2Key) || log.contains(a.v3Key) || log.contains(b.v2Key), "no key in the log");

        // A profiles file the loader refuses: exit 2, the reason, never a key.
        Files.setPosixFilePermissions(profiles, PosixFilePermissions.fromString("rw-r--r--"));
        Process refused = startServer(dir, profiles, 0, freePort());
        assertTrue(refused.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, refused.exitValue());
        String out = new String(Files.readAllBytes(dir.resolve("server.log")), StandardCharsets.UTF_8);
        assertTrue(out.contains("configuration error: invalid_config") && out.contains("chmod 600"), out);
    }
}
