// Smoke test for the Java artifacts (scripts/test-dist-java.sh, run by `make test-dist`): compiled against
// the jar from dist/ alone and run with that jar and JNA on the classpath, nothing else (no
// jna.library.path, no LD_LIBRARY_PATH): the native library comes from the jar's linux-x86-64/ resource.
//
//   Smoke --version               prints the jar's Implementation-Version
//   Smoke --library               prints the file the native library was loaded from
//   Smoke API_KEY_FILE BODY_FILE  "ok out_trade_no=... total_fee=... success=..." and exit 0, or
//                                 "refused CODE (NUMBER): MESSAGE" and exit 1
import io.github.wechatpay_notify.NotifyException;
import io.github.wechatpay_notify.PaymentNotification;
import io.github.wechatpay_notify.SignType;
import io.github.wechatpay_notify.Verifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

public final class Smoke {
    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--version")) {
            System.out.println(Verifier.class.getPackage().getImplementationVersion());
            return;
        }
        if (args.length == 1 && args[0].equals("--library")) {
            System.out.println(io.github.wechatpay_notify.Library.nativeLibraryFile());
            return;
        }
        if (args.length != 2) {
            System.err.println("usage: Smoke --version | --library | API_KEY_FILE BODY_FILE");
            System.exit(2);
        }
        String key = new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8).trim();
        byte[] body = Files.readAllBytes(Paths.get(args[1]));
        try (Verifier verifier = Verifier.create(key, SignType.MD5)) {
            PaymentNotification payment = verifier.verifyPayment(body);
            System.out.println("ok out_trade_no=" + payment.outTradeNo() + " total_fee=" + payment.totalFee().getAsLong()
                    + " success=" + payment.isSuccess());
        } catch (NotifyException e) {
            System.out.println("refused " + e.getCode() + " (" + e.getNumber() + "): " + e.getMessage());
            System.exit(1);
        }
    }
}
