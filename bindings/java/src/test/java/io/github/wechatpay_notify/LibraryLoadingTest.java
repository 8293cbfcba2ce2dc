package io.github.wechatpay_notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The native library is found the way JNA finds libraries, each in a JVM of its own: this jar's
 * linux-x86-64/ resource by default, jna.library.path before it, -Dwechatpay.notify.library before
 * both; a library that cannot be loaded is an UnsatisfiedLinkError naming how to point at one.
 * scripts/test-java.sh passes the jar, JNA and the native library's directory as system properties.
 */
class LibraryLoadingTest {
    /** Prints Library.version() and Library.nativeLibraryFile(), or the loading error. */
    public static void main(String[] args) {
        try {
            System.out.println(Library.version());
            System.out.println(Library.nativeLibraryFile());
        } catch (Throwable e) {
            System.out.println("error " + e);
            System.exit(3);
        }
    }

    static String[] run(String... properties) throws IOException, InterruptedException {
        String jar = System.getProperty("wechatpay.notify.jar");
        String jna = System.getProperty("wechatpay.notify.jna", "/usr/share/java/jna.jar");
        String classes = System.getProperty("wechatpay.notify.testClasses");
        assumeTrue(jar != null && classes != null, "run by scripts/test-java.sh (wechatpay.notify.jar, wechatpay.notify.testClasses)");
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Arrays.asList(properties));
        cmd.addAll(Arrays.asList("-cp", jar + File.pathSeparator + jna + File.pathSeparator + classes,
                LibraryLoadingTest.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("LD_LIBRARY_PATH");
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe JVM finished");
        String text = new String(out.toByteArray(), StandardCharsets.UTF_8).trim();
        return new String[] {Integer.toString(p.exitValue()), text};
    }

    static Path nativeDir() {
        String dir = System.getProperty("wechatpay.notify.nativeDir");
        assumeTrue(dir != null, "run by scripts/test-java.sh (wechatpay.notify.nativeDir)");
        return Paths.get(dir).toAbsolutePath();
    }

    @Test
    void fromTheJarsResourcesByDefault() throws Exception {
        String[] r = run();
        assertEquals("0", r[0], r[1]);
        String[] lines = r[1].split("\n");
        assertEquals(NativeLoader.bindingVersion(), lines[0]);
        assertTrue(!lines[1].startsWith(nativeDir().toString()), "a copy JNA extracted from the jar, not " + lines[1]);
    }

    @Test
    void jnaLibraryPathComesFirst() throws Exception {
        Path dir = nativeDir();
        String[] r = run("-Djna.library.path=" + dir);
        assertEquals("0", r[0], r[1]);
        assertEquals(dir.resolve("libwechatpay_notify.so").toString(), r[1].split("\n")[1]);
    }

    @Test
    void anExplicitFileComesBeforeEverything(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path copy = tmp.resolve("libwechatpay_notify-copy.so");
        Files.copy(nativeDir().resolve("libwechatpay_notify.so"), copy);
        String[] r = run("-Djna.library.path=" + nativeDir(), "-Dwechatpay.notify.library=" + copy);
        assertEquals("0", r[0], r[1]);
        assertEquals(copy.toString(), r[1].split("\n")[1]);
    }

    @Test
    void aLibraryThatCannotBeLoadedIsAnUnsatisfiedLinkErrorSayingWhatToSet(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        String[] r = run("-Dwechatpay.notify.library=" + tmp.resolve("missing.so"));
        assertNotEquals("0", r[0]);
        assertTrue(r[1].contains("UnsatisfiedLinkError") && r[1].contains("wechatpay.notify.library"), r[1]);
    }
}
