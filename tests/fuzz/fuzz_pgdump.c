/* libFuzzer target for lib/pgdump.c and lib/decompress.c: any bytes as a backup file
 * (recognition, the archive, tar and plain readers, the gzip/zstd/lz4 decoders), with
 * the dkg_shares COPY reader on. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgdump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sbtc_dump_info d;
	sbtc_dkg_shares shares;
	bool found = false;
	char err[256] = "";

	sbtc_src *s = sbtc_src_mem(data, size, -1);
	sbtc_dump_examine_src(s, &d, &shares, &found, err, sizeof err);
	sbtc_src_free(s);
	/* A verdict is always given: whole, or a reason; never both. */
	if (d.whole == (d.problem[0] != '\0'))
		abort();
	if (memchr(d.problem, '\0', sizeof d.problem) == NULL)
		abort();
	for (size_t i = 0; i < shares.n; i++)
		if (shares.v[i].key[0] != 0x02 && shares.v[i].key[0] != 0x03)
			abort();
	sbtc_dkg_shares_free(&shares);
	return 0;
}
