"""Estimates pi with Spark: spark-submit pi.py [samples]."""
import random
import sys

from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("pi").getOrCreate()
samples = int(sys.argv[1]) if len(sys.argv) > 1 else 100000


def inside(_):
    x, y = random.random(), random.random()
    return x * x + y * y < 1


count = spark.sparkContext.parallelize(range(samples), 2).filter(inside).count()
print(f"Pi is roughly {4.0 * count / samples}")
spark.stop()
