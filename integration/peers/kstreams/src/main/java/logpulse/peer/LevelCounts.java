package logpulse.peer;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.state.WindowStore;

/**
 * logpulse's job in Kafka Streams: count the JSON log events of the input
 * topic (keyed by service) per service, level and 1-minute tumbling
 * event-time window, exactly once, and write every updated window to the
 * output topic, keyed "service|windowStartMillis", its value the counts per
 * level (7 big-endian longs, in LEVELS order). The latest record of a key
 * is that window's counts.
 *
 * <p>Usage: java -jar kstreams-peer.jar --bootstrap=HOST:PORT --input=logs
 * --output=TOPIC --application-id=ID --state-dir=DIR [--window=60]
 * [--grace=300] [--threads=N]
 */
public final class LevelCounts {
  /** The fields of logpulse's JSON event that the count needs. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Event(long timestamp, String level, String service) {}

  /** Event time: the event's own timestamp field, as logpulse windows by. */
  static final TimestampExtractor EVENT_TIME =
      (record, partitionTime) ->
          record.value() instanceof Event e && e.timestamp() > 0 ? e.timestamp() : partitionTime;

  static Serde<Event> eventSerde() {
    ObjectMapper mapper = new ObjectMapper();
    ObjectReader reader = mapper.readerFor(Event.class);
    ObjectWriter writer = mapper.writerFor(Event.class);
    return Serdes.serdeFrom(
        (topic, e) -> {
          try {
            return writer.writeValueAsBytes(e);
          } catch (IOException ex) {
            throw new SerializationException(ex);
          }
        },
        (topic, bytes) -> {
          try {
            return reader.readValue(bytes);
          } catch (IOException ex) {
            throw new SerializationException("not a JSON log event", ex);
          }
        });
  }

  /** logpulse's levels, in the order of the counts in a value. */
  static final List<String> LEVELS =
      List.of("UNKNOWN", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL");

  static int levelIndex(String level) {
    int i = level == null ? -1 : LEVELS.indexOf(level.toUpperCase(Locale.ROOT));
    return Math.max(i, 0);
  }

  /** A window's counts per level: 7 big-endian longs, in LEVELS order. */
  static Serde<long[]> countsSerde() {
    return Serdes.serdeFrom(
        (topic, counts) -> {
          ByteBuffer b = ByteBuffer.allocate(8 * LEVELS.size());
          for (long c : counts) {
            b.putLong(c);
          }
          return b.array();
        },
        (topic, bytes) -> {
          ByteBuffer b = ByteBuffer.wrap(bytes);
          long[] counts = new long[LEVELS.size()];
          for (int i = 0; i < counts.length; i++) {
            counts[i] = b.getLong();
          }
          return counts;
        });
  }

  static Topology topology(String input, String output, Duration window, Duration grace) {
    Serde<long[]> counts = countsSerde();
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), eventSerde()).withTimestampExtractor(EVENT_TIME))
        .filter((service, e) -> e != null && service != null && service.equals(e.service()))
        // The input is keyed by service (as logpulse's bench and most log
        // shippers key it), so the count needs no repartition: each task
        // counts its own partitions' services, in their own event-time
        // order. (groupBy on (service, level) would repartition, and the
        // repartition tasks' stream time, the max over all input
        // partitions, drops the events of a partition that lags more than
        // the grace behind another as late: 2,933 of 5,000 counted here.)
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(window, grace))
        .aggregate(
            () -> new long[LEVELS.size()],
            (service, e, c) -> {
              c[levelIndex(e.level())]++;
              return c;
            },
            Materialized.<String, long[], WindowStore<Bytes, byte[]>>as("counts")
                .withValueSerde(counts))
        .toStream((wk, c) -> wk.key() + "|" + wk.window().start())
        .to(output, Produced.with(Serdes.String(), counts));
    return builder.build();
  }

  static Properties config(Map<String, String> args) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, need(args, "application-id"));
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, need(args, "bootstrap"));
    p.put(StreamsConfig.STATE_DIR_CONFIG, need(args, "state-dir"));
    // Exactly once, as logpulse promises: the input offsets, the changelog
    // and the output records commit in one transaction per task.
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    // One stream thread per core, as the docs advise for a CPU-bound app:
    // each thread runs its own tasks (partitions) with its own clients.
    int cores = Runtime.getRuntime().availableProcessors();
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG,
        Integer.parseInt(args.getOrDefault("threads", String.valueOf(cores))));
    // 100 ms is the default under exactly_once_v2 (30 s at least once),
    // stated here to be explicit: every commit ends a transaction and
    // flushes the cache, so it bounds the latency to a visible count.
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    // The record cache folds repeated updates of a window count between
    // commits into one changelog and output record. 10 MiB is the default;
    // 64 MiB holds every (service, level, window) count a commit interval
    // can touch here, so the cache flushes on commit, not on eviction.
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 64L * 1024 * 1024);
    // A record that is not a JSON event is logged and skipped, not fatal.
    p.put(StreamsConfig.DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueExceptionHandler.class);
    // Read from the start of the input, as every bench phase does.
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    return p;
  }

  static String need(Map<String, String> args, String name) {
    String v = args.get(name);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException("missing --" + name + "=VALUE");
    }
    return v;
  }

  static Map<String, String> parse(String[] argv) {
    Map<String, String> args = new HashMap<>();
    for (String a : argv) {
      int eq = a.indexOf('=');
      if (!a.startsWith("--") || eq < 0) {
        throw new IllegalArgumentException("bad argument " + a + ": use --name=value");
      }
      args.put(a.substring(2, eq), a.substring(eq + 1));
    }
    return args;
  }

  public static void main(String[] argv) throws InterruptedException {
    Map<String, String> args = parse(argv);
    Topology topology =
        topology(
            need(args, "input"),
            need(args, "output"),
            Duration.ofSeconds(Long.parseLong(args.getOrDefault("window", "60"))),
            Duration.ofSeconds(Long.parseLong(args.getOrDefault("grace", "300"))));
    KafkaStreams streams = new KafkaStreams(topology, config(args));
    CountDownLatch done = new CountDownLatch(1);
    streams.setStateListener(
        (now, before) -> {
          System.err.println("kstreams-peer: state " + before + " -> " + now);
          if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
            done.countDown();
          }
        });
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  streams.close(Duration.ofSeconds(10));
                  done.countDown();
                }));
    streams.start();
    done.await();
    if (streams.state() == KafkaStreams.State.ERROR) {
      System.exit(1);
    }
  }
}
