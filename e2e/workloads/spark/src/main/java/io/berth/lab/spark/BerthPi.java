package io.berth.lab.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Spark's classic Monte Carlo estimate of pi (Spark's examples jar is not on Maven Central).
 * Usage: BerthPi [slices]; the master comes from spark-submit's --master. Each slice throws
 * 5 million darts on its executor, so 4 slices give pi to about +-0.0004: "3.14" every time.
 */
public final class BerthPi {
  private static final long DARTS_PER_SLICE = 5_000_000L;

  private BerthPi() {}

  public static void main(String[] args) {
    int slices = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < slices; i++) {
      ids.add(i);
    }
    try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setAppName("berth-pi"))) {
      long inside = sc.parallelize(ids, slices).map(slice -> {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long hits = 0;
        for (long i = 0; i < DARTS_PER_SLICE; i++) {
          double x = random.nextDouble() * 2 - 1;
          double y = random.nextDouble() * 2 - 1;
          if (x * x + y * y <= 1) {
            hits++;
          }
        }
        return hits;
      }).reduce(Long::sum);
      System.out.println("Pi is roughly " + 4.0 * inside / (DARTS_PER_SLICE * slices));
    }
  }
}
