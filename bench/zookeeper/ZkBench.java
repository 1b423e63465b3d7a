// ZkBench: the ZooKeeper side of bench/run.sh, driven by ZooKeeper's official Java client (Debian's `zookeeper`
// package, /usr/share/java/zookeeper.jar). Run as a single-file program:
//
//   java -cp /usr/share/java/zookeeper.jar bench/zookeeper/ZkBench.java --connect 127.0.0.1:2181 [options]
//
// It runs the same closed-loop cells as cairn-bench (same workloads, key space, value size, warm-up, repetitions)
// and appends one JSON object per cell to --out, in the field names cairn-bench's report reads. Written in Java
// because the issue asks for ZooKeeper's own client; there is no maintained .NET port of it on this machine's NuGet.
//
// Workloads (znodes under /bench, 10,000 preloaded children /bench/k/<i> of --value-size bytes):
//   put     setData of a random key, version -1 (an unconditional overwrite)
//   create  create of a new persistent znode /bench/c/<run>-<client>-<n>
//   get     getData of a random key, no watch
//   cas     setData of the client's own key with the version it last saw (a compare-and-set that succeeds)
//   mix     90 % getData / 10 % setData of random keys
//   watch   put-to-watch-event latency: one session sets a watch with getData, another setData's the key; the
//           time from just before the setData to the NodeDataChanged event; the watch is set again each round
//           (ZooKeeper's watches are one-shot)
//
// Clients: each logical client has one request outstanding at a time (closed loop, async API, the next request
// issued from the previous one's callback). Logical clients are spread over min(clients, 50) sessions, each a TCP
// connection with its own I/O and event threads: ZooKeeper's default maxClientCnxns is 60 per address, and a
// session is how ZooKeeper applications share a server (Curator, the reference recipes).
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.time.Instant;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import org.apache.zookeeper.*;
import org.apache.zookeeper.data.Stat;

public class ZkBench {
    static String connect = "127.0.0.1:2181";
    static List<Integer> clientCounts = List.of(1, 16, 64, 256);
    static List<String> workloads = List.of("put", "create", "get", "cas", "mix");
    static double durationS = 10, warmupS = 3;
    static int reps = 3, keys = 10_000, valueSize = 256, watchIterations = 1000;
    static String out = "zk.jsonl", tier = "durable", pinning = "unpinned";
    static List<Integer> serverPids = new ArrayList<>();
    static boolean skipPreload = false;
    static final int MaxSessions = 50;
    static long groups = 0;
    static final String RunId = UUID.randomUUID().toString().substring(0, 8);

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = (i + 1 < args.length) ? args[i + 1] : null;
            switch (a) {
                case "--connect" -> { connect = v; i++; }
                case "--clients" -> { clientCounts = Arrays.stream(v.split(",")).map(Integer::parseInt).toList(); i++; }
                case "--workloads" -> { workloads = List.of(v.split(",")); i++; }
                case "--duration" -> { durationS = Double.parseDouble(v); i++; }
                case "--warmup" -> { warmupS = Double.parseDouble(v); i++; }
                case "--reps" -> { reps = Integer.parseInt(v); i++; }
                case "--keys" -> { keys = Integer.parseInt(v); i++; }
                case "--value-size" -> { valueSize = Integer.parseInt(v); i++; }
                case "--watch-iterations" -> { watchIterations = Integer.parseInt(v); i++; }
                case "--out" -> { out = v; i++; }
                case "--tier" -> { tier = v; i++; }
                case "--pinning" -> { pinning = v; i++; }
                case "--server-pids" -> { for (String p : v.split(",")) if (!p.isBlank()) serverPids.add(Integer.parseInt(p.trim())); i++; }
                case "--skip-preload" -> skipPreload = true;
                default -> { System.err.println("ZkBench: unknown option " + a); System.exit(2); }
            }
        }

        ZooKeeper admin = open();
        try {
            if (!skipPreload) preload(admin);
            System.out.printf("%-10s %-8s %-9s %7s %10s %8s %8s %9s %8s %6s%n", "target", "workload", "transport", "clients", "ops/s", "p50 ms", "p99 ms", "p99.9 ms", "cpu/1k", "errors");
            boolean failed = false;
            for (String w : workloads) {
                if (w.equals("watch")) {
                    failed |= !watchCell(admin);
                    continue;
                }
                for (int clients : clientCounts) failed |= !cellGroup(w, clients);
            }
            System.exit(failed ? 1 : 0);
        } finally {
            admin.close();
        }
    }

    static ZooKeeper open() throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connect, 30_000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
        });
        if (!connected.await(30, TimeUnit.SECONDS)) throw new IOException("no ZooKeeper session with " + connect + " within 30 s");
        return zk;
    }

    static byte[] value(int seed) {
        byte[] b = new byte[valueSize];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String key(int i) { return "/bench/k/" + i; }

    static void ensure(ZooKeeper zk, String path) throws Exception {
        try { zk.create(path, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT); }
        catch (KeeperException.NodeExistsException ignored) { }
    }

    static void preload(ZooKeeper zk) throws Exception {
        long t0 = System.nanoTime();
        ensure(zk, "/bench");
        ensure(zk, "/bench/k");
        ensure(zk, "/bench/c");
        ensure(zk, "/bench/w");
        byte[] v = value(7);
        Semaphore window = new Semaphore(256);
        AtomicReference<String> error = new AtomicReference<>();
        for (int i = 0; i < keys; i++) {
            window.acquire();
            zk.create(key(i), v, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, (rc, path, ctx, name) -> {
                if (rc != 0 && rc != KeeperException.Code.NODEEXISTS.intValue()) error.compareAndSet(null, path + ": " + KeeperException.Code.get(rc));
                window.release();
            }, null);
        }
        window.acquire(256);
        if (error.get() != null) throw new IOException("preload failed: " + error.get());
        System.out.printf("preloaded %d znodes of %d bytes in %.1f s%n", keys, valueSize, (System.nanoTime() - t0) / 1e9);
    }

    // CPU time (user + system) of the server processes, in seconds, from /proc/<pid>/stat (clock ticks of 1/100 s).
    static double serverCpu() {
        double total = 0;
        for (int pid : serverPids) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                total += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
            } catch (IOException e) {
                return Double.NaN;
            }
        }
        return total;
    }

    /** One logical client's closed loop; all its callbacks run on its session's event thread. */
    static final class Client {
        final int id;
        final ZooKeeper zk;
        final String workload;
        final Random random;
        final byte[] value;
        final LongList latencies = new LongList();
        long errors;
        String firstError;
        long begin, measureFrom, measureUntil, seq;
        int casVersion;
        final CountDownLatch done = new CountDownLatch(1);

        Client(int id, ZooKeeper zk, String workload) {
            this.id = id;
            this.zk = zk;
            this.workload = workload;
            this.random = new Random(id * 7919L + 17);
            this.value = value(id);
        }

        void start(long from, long until) {
            measureFrom = from;
            measureUntil = until;
            next();
        }

        void next() {
            begin = System.nanoTime();
            if (begin >= measureUntil) { done.countDown(); return; }
            int k = random.nextInt(keys);
            switch (workload) {
                case "put" -> zk.setData(key(k), value, -1, this::stat, null);
                case "get" -> zk.getData(key(k), false, this::data, null);
                case "create" -> zk.create("/bench/c/" + RunId + "-" + id + "-" + (seq++), value, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, this::created, null);
                case "cas" -> zk.setData(key(id % keys), value, casVersion, this::stat, null);
                case "mix" -> {
                    if (random.nextInt(10) == 0) zk.setData(key(k), value, -1, this::stat, null);
                    else zk.getData(key(k), false, this::data, null);
                }
                default -> throw new IllegalArgumentException("unknown workload " + workload);
            }
        }

        void stat(int rc, String path, Object ctx, Stat stat) {
            if (rc == 0 && workload.equals("cas")) casVersion = stat.getVersion();
            finish(rc, path);
        }

        void data(int rc, String path, Object ctx, byte[] data, Stat stat) { finish(rc, path); }

        void created(int rc, String path, Object ctx, String name) { finish(rc, path); }

        void finish(int rc, String path) {
            long end = System.nanoTime();
            if (begin >= measureFrom) {
                if (rc == 0) latencies.add(end - begin);
                else {
                    errors++;
                    if (firstError == null) firstError = path + ": " + KeeperException.Code.get(rc);
                }
            }
            next();
        }
    }

    static boolean cellGroup(String workload, int clients) throws Exception {
        int sessions = Math.min(clients, MaxSessions);
        List<ZooKeeper> zks = new ArrayList<>();
        try {
            // Sessions are opened together (each handshake is a round trip with a session-creating write).
            List<CountDownLatch> ready = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                CountDownLatch connected = new CountDownLatch(1);
                ready.add(connected);
                zks.add(new ZooKeeper(connect, 30_000, e -> {
                    if (e.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
                }));
            }
            for (CountDownLatch r : ready) {
                if (!r.await(30, TimeUnit.SECONDS)) throw new IOException("no ZooKeeper session with " + connect + " within 30 s");
            }
            List<Client> cs = new ArrayList<>();
            // Each group numbers its creates from its own billion, so no group hits a znode an earlier one made.
            long base = ++groups * 1_000_000_000L;
            for (int c = 0; c < clients; c++) {
                Client client = new Client(c, zks.get(c % sessions), workload);
                client.seq = base;
                cs.add(client);
            }
            if (workload.equals("cas")) {
                for (Client c : cs) c.casVersion = zks.get(0).exists(key(c.id % keys), false).getVersion();
            }
            boolean ok = true;
            for (int rep = 1; rep <= reps; rep++) {
                double warm = rep == 1 ? warmupS : 0;
                long from = System.nanoTime() + (long) (warm * 1e9);
                long until = from + (long) (durationS * 1e9);
                for (Client c : cs) { c.latencies.clear(); c.errors = 0; c.firstError = null; }
                // Each client continues from the previous repetition's state; a fresh latch per repetition.
                List<Client> run = new ArrayList<>();
                for (Client c : cs) {
                    Client n = new Client(c.id, c.zk, workload);
                    n.casVersion = c.casVersion;
                    n.seq = c.seq;
                    run.add(n);
                }
                cs = run;
                for (Client c : cs) c.start(from, until);
                long now = System.nanoTime();
                if (from > now) Thread.sleep((from - now) / 1_000_000, (int) ((from - now) % 1_000_000));
                double cpu0 = serverCpu();
                for (Client c : cs) c.done.await();
                double cpu1 = serverCpu();
                ok &= emit(workload, clients, rep, warm, cs, cpu1 - cpu0);
            }
            return ok;
        } finally {
            for (ZooKeeper zk : zks) zk.close();
        }
    }

    static boolean watchCell(ZooKeeper writer) throws Exception {
        ZooKeeper watcher = open();
        try {
            String path = "/bench/w/latency";
            ensure(writer, path);
            byte[] v = value(3);
            LongList latencies = new LongList();
            long errors = 0;
            String firstError = null;
            int warm = 20;
            double cpu0 = 0;
            for (int i = 0; i < warm + watchIterations; i++) {
                if (i == warm) cpu0 = serverCpu();
                SynchronousQueue<Long> event = new SynchronousQueue<>();
                watcher.getData(path, e -> {
                    if (e.getType() == Watcher.Event.EventType.NodeDataChanged) {
                        long t = System.nanoTime();
                        try { event.put(t); } catch (InterruptedException ignored) { }
                    }
                }, null);
                long t0 = System.nanoTime();
                writer.setData(path, v, -1);
                Long t1 = event.poll(30, TimeUnit.SECONDS);
                if (t1 == null) {
                    errors++;
                    if (firstError == null) firstError = "no NodeDataChanged event within 30 s";
                    continue;
                }
                if (i >= warm) latencies.add(t1 - t0);
            }
            double cpu1 = serverCpu();
            long[] sorted = latencies.sorted();
            writeLine(new Line("watch", 1, 1, 0, 0, sorted, errors, firstError, cpu1 - cpu0, 0));
            return errors == 0;
        } finally {
            watcher.close();
        }
    }

    static boolean emit(String workload, int clients, int rep, double warm, List<Client> cs, double cpu) throws IOException {
        LongList all = new LongList();
        long errors = 0;
        String firstError = null;
        for (Client c : cs) {
            all.addAll(c.latencies);
            errors += c.errors;
            if (firstError == null) firstError = c.firstError;
        }
        long[] sorted = all.sorted();
        writeLine(new Line(workload, clients, rep, warm, durationS, sorted, errors, firstError, cpu, sorted.length / durationS));
        return errors * 100 <= sorted.length && sorted.length > 0;
    }

    record Line(String workload, int clients, int rep, double warm, double duration, long[] sorted, long errors, String firstError, double cpu, double opsPerSecond) { }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) return 0;
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        rank = Math.max(1, Math.min(sorted.length, rank));
        return sorted[rank - 1] / 1e6;
    }

    static void writeLine(Line l) throws IOException {
        long[] s = l.sorted();
        double mean = 0;
        for (long x : s) mean += x;
        mean = s.length == 0 ? 0 : mean / s.length / 1e6;
        double cpuPer1k = s.length == 0 || Double.isNaN(l.cpu()) ? -1 : l.cpu() / s.length * 1000;
        String json = String.format(Locale.ROOT,
            "{\"target\":\"zookeeper\",\"transport\":\"native\",\"workload\":\"%s\",\"clients\":%d,\"rep\":%d,\"tier\":\"%s\",\"pinning\":\"%s\","
                + "\"warmupSeconds\":%.3f,\"durationSeconds\":%.3f,\"ops\":%d,\"errors\":%d,\"opsPerSecond\":%.3f,\"meanMs\":%.6f,"
                + "\"p50Ms\":%.6f,\"p99Ms\":%.6f,\"p999Ms\":%.6f,\"maxMs\":%.6f,\"serverCpuSeconds\":%.3f,\"cpuSecondsPer1kOps\":%.6f,"
                + "\"firstError\":%s,\"finishedAt\":\"%s\"}",
            l.workload(), l.clients(), l.rep(), tier, pinning, l.warm(), l.duration(), s.length, l.errors(), l.opsPerSecond(), mean,
            pct(s, 50), pct(s, 99), pct(s, 99.9), s.length == 0 ? 0 : s[s.length - 1] / 1e6, Double.isNaN(l.cpu()) ? -1 : l.cpu(), cpuPer1k,
            l.firstError() == null ? "null" : "\"" + l.firstError().replace("\\", "\\\\").replace("\"", "\\\"") + "\"",
            Instant.now());
        Files.writeString(Path.of(out), json + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        System.out.printf(Locale.ROOT, "%-10s %-8s %-9s %7d %10.0f %8.3f %8.3f %9.3f %8.3f %6d%n", "zookeeper", l.workload(), "native", l.clients(),
            l.opsPerSecond(), pct(s, 50), pct(s, 99), pct(s, 99.9), cpuPer1k, l.errors());
    }

    /** A growable array of longs (latencies in nanoseconds). */
    static final class LongList {
        long[] a = new long[1024];
        int n;
        void add(long v) { if (n == a.length) a = Arrays.copyOf(a, n * 2); a[n++] = v; }
        void addAll(LongList o) { for (int i = 0; i < o.n; i++) add(o.a[i]); }
        void clear() { n = 0; }
        long[] sorted() { long[] s = Arrays.copyOf(a, n); Arrays.sort(s); return s; }
    }
}
