/* kiln's training run for HAProxy's gzip encoder (SLZ), built by haproxy.sh against an
 * instrumented src/slz.o. It compresses every file named on its command line the way
 * HAProxy's compression filter does: one stream per file and format (gzip, deflate,
 * raw deflate, all at level 1), fed in pieces of at most 15 KiB with a flush after each.
 * The profile it leaves depends only on those files and this program, so the build that
 * reads it stays reproducible. It never reaches an image. */
#include <stdio.h>
#include <stdlib.h>
#include <import/slz.h>

/* Debian's libgcov is built against glibc 2.41, whose headers turn strtol into this C23
 * name; musl has strtol only. Unused with a libgcov built against musl. */
long __isoc23_strtol(const char *s, char **end, int base)
{
	return strtol(s, end, base);
}

static unsigned char in[15 * 1024];
static unsigned char out[2 * sizeof(in) + 1024];

int main(int argc, char **argv)
{
	static const int formats[] = { SLZ_FMT_GZIP, SLZ_FMT_ZLIB, SLZ_FMT_DEFLATE };
	unsigned long long total = 0;
	int i, f;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	for (f = 0; f < 3; f++) {
		for (i = 1; i < argc; i++) {
			struct slz_stream strm;
			FILE *fp = fopen(argv[i], "rb");
			size_t n;

			if (!fp) {
				perror(argv[i]);
				return 1;
			}
			slz_init(&strm, 1, formats[f]);
			while ((n = fread(in, 1, sizeof(in), fp)) > 0) {
				total += slz_encode(&strm, out, in, n, 1);
				total += slz_flush(&strm, out);
			}
			total += slz_finish(&strm, out);
			if (ferror(fp)) {
				perror(argv[i]);
				return 1;
			}
			fclose(fp);
		}
	}
	printf("slz-train: %d files, %llu bytes out\n", argc - 1, total);
	return 0;
}
