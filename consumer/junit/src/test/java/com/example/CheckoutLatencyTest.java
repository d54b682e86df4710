// SPDX-License-Identifier: Apache-2.0
package com.example;

import static dev.netlat.assertj.NetAssertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.netlat.NetworkTrace;
import dev.netlat.Stage;
import dev.netlat.junit.LatencyBudget;
import dev.netlat.junit.TraceNetwork;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The README's first example, as a user writes it: a service on loopback, its client, budgets on the trace. */
@TraceNetwork
class CheckoutLatencyTest {
    private static HttpServer server;
    private static URI uri;

    @BeforeAll
    static void startService() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/checkout", exchange -> {
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/checkout");
    }

    @AfterAll
    static void stopService() {
        server.stop(0);
    }

    @Test
    @LatencyBudget(stage = Stage.SOCKET, percentile = 99, below = "10ms")
    void fast(NetworkTrace trace) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        for (int i = 0; i < 200; i++) {   // a p99 needs at least 100 samples
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("checkout answered " + r.statusCode());
            }
        }
        assertThat(trace.latency(Stage.SOCKET)).p99Below(Duration.ofMillis(2));
        assertThat(trace).hasNoDropsOtherThan("TCP_OLD_DATA"); // loopback's spurious resends are not loss
    }
}
