package io.github.wechatpay_notify.example;

import io.github.wechatpay_notify.Endpoint;
import io.github.wechatpay_notify.NotifyException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Paths;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the example endpoint: one route for every merchant of the profiles file, v2 and APIv3.
 *
 * <pre>
 *   WECHATPAY_PROFILES=profiles.json [WECHATPAY_DB=payments.sqlite3] java -cp ... io.github.wechatpay_notify.example.Main [http://127.0.0.1:8080/]
 *   WECHATPAY_DB=... java -cp ... io.github.wechatpay_notify.example.Main add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN
 * </pre>
 *
 * The profiles file (the JSON of {@code wechatpay-notify verify-any --profiles}, read by the library's
 * loader, {@link Endpoint#fromProfilesFile}) names each merchant's key files or environment variables,
 * never keys; chmod 600 it and the key files. TEST ONLY: WECHATPAY_EXAMPLE_FAIL_FIRST=N makes the first
 * N requests get 500 (as if the database were down), to exercise WeChat Pay's retries with
 * {@code wechatpay-notify simulate --until-success}; never set it in production. {@code add-order}
 * creates an order (a stand-in for your checkout, so that simulated notifications have an order to pay).
 */
public final class Main {
    private Main() {
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }

    public static void main(String[] args) throws Exception {
        int status = run(args);
        if (status != 0) {
            System.exit(status);
        }
    }

    static int run(String[] args) throws Exception {
        String db = env("WECHATPAY_DB", "payments.sqlite3");
        if (args.length > 0 && args[0].equals("add-order")) {
            if (args.length != 4 || !args[3].matches("[1-9][0-9]{0,17}")) {
                System.err.println("usage: Main add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN   (WECHATPAY_DB)");
                return 2;
            }
            new Store(db).createOrder(args[1], args[2], Long.parseLong(args[3]));
            System.err.println("order " + args[1] + "/" + args[2] + " (" + args[3] + " fen) created in " + db);
            return 0;
        }
        URI prefix = URI.create(args.length > 0 ? args[0] : "http://127.0.0.1:8080/");
        String setting = env("WECHATPAY_EXAMPLE_FAIL_FIRST", "0");
        if (!setting.matches("[0-9]{1,9}")) {
            System.err.println("configuration error: WECHATPAY_EXAMPLE_FAIL_FIRST: not a number");
            return 2;
        }
        int failFirst = Integer.parseInt(setting);
        Endpoint endpoint;
        try {
            endpoint = Endpoint.fromProfilesFile(Paths.get(env("WECHATPAY_PROFILES", "profiles.json")));
        } catch (NotifyException e) {
            // invalid_config: the message names the profile, the setting or the file, never a key.
            System.err.println("configuration error: " + e.getCode() + ": " + e.getMessage());
            return 2;
        }
        NotifyServer server;
        try {
            server = new NotifyServer(new InetSocketAddress(prefix.getHost(), prefix.getPort()), endpoint, new Store(db), failFirst);
        } catch (Exception e) {
            endpoint.close();
            throw e;
        }
        // Ctrl-C (or SIGTERM): stop serving, then release the endpoint.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            endpoint.close();
        }));
        if (failFirst > 0) {
            System.err.println("TEST ONLY: the first " + failFirst + " requests will get 500 (WECHATPAY_EXAMPLE_FAIL_FIRST)");
        }
        System.err.println("listening on http://" + prefix.getHost() + ":" + server.address().getPort() + NotifyServer.NOTIFY_PATH
                + " (merchants " + String.join(", ", endpoint.labels()) + "; recording into " + db + "); Ctrl-C stops");
        new CountDownLatch(1).await(); // until the JVM is stopped
        return 0;
    }
}
