package io.github.wechatpay_notify.example;

import io.github.wechatpay_notify.Endpoint;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/** {@link NotifyServlet} on an embedded Tomcat, on a free loopback port, at {@link NotifyServer#NOTIFY_PATH}. */
final class ServletServer implements AutoCloseable {
    private final Tomcat tomcat = new Tomcat();
    private final Connector connector = new Connector();

    ServletServer(Path baseDir, Endpoint endpoint, Store store) throws LifecycleException {
        tomcat.setBaseDir(baseDir.toString());
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", null);
        Tomcat.addServlet(context, "notify", new NotifyServlet(endpoint, store)).addMapping(NotifyServer.NOTIFY_PATH);
        tomcat.start();
    }

    int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() throws LifecycleException {
        tomcat.stop();
        tomcat.destroy();
    }
}
