/*
 * image.h — what MAX reads from the bytes of an upload and the pictures it
 * makes from them: the type (by magic numbers, never by what a client
 * declared), the size and EXIF orientation from the headers without
 * decoding, and, through libgd, the 400×400 JPEG thumbnails of image
 * posts and messages and the square PNGs of avatars. libgd is used here
 * and nowhere else; it is loaded on first use (see image.c).
 */
#ifndef MAX_MODEL_IMAGE_H
#define MAX_MODEL_IMAGE_H

#include "store/store.h"
#include "util/buf.h"
#include "util/status.h"

#include <stddef.h>

/* Types told apart by their bytes. */
enum media_type {
	MEDIA_UNKNOWN,
	MEDIA_PNG,
	MEDIA_JPEG,
	MEDIA_GIF,
	MEDIA_WEBP,
	MEDIA_BMP,
	MEDIA_TIFF,
	MEDIA_HEIC, /* HEIF image brands */
	MEDIA_AVIF,
	MEDIA_PDF,
};
enum media_type media_sniff(const void *data, size_t len);
/* "image/png" …, "application/octet-stream" for MEDIA_UNKNOWN. */
const char *media_type_mime(enum media_type t);
/* 1 for the image types (PNG … AVIF), decodable here or not. */
int media_is_image(enum media_type t);
/* Width and height from a PNG/JPEG/GIF/WebP header without decoding;
 * -1 when the header cannot be read. */
int media_image_size(const void *data, size_t len, unsigned *w, unsigned *h);
/* EXIF orientation (1–8) of a JPEG, 1 when absent or unreadable. */
int media_jpeg_orientation(const void *data, size_t len);

/* The thumbnail of an image post or message as JPEG into jpeg (an
 * initialised buf): fits within 400×400 keeping the aspect ratio (never
 * enlarged), transparency flattened on white, EXIF orientation applied.
 * Errors (text in model_why): 400 ValidationError when data is no PNG,
 * JPEG, GIF or WebP, cannot be decoded or has more than max_pixels
 * pixels; 500 when libgd cannot be loaded or encoding fails. */
enum max_err media_thumbnail(struct store *st, const void *data, size_t len, long long max_pixels,
			     struct buf *jpeg);
/* Avatars: the image scaled and cropped to fill sizes[i]×sizes[i]
 * (anchored top-left, alpha kept) as PNG into out[i] (initialised bufs).
 * Errors as media_thumbnail(). */
enum max_err media_square_pngs(struct store *st, const void *data, size_t len, long long max_pixels,
			       const int *sizes, struct buf *out, size_t n);

/* For tests: forgets libgd as if this process had never loaded it (a
 * freshly started worker). */
void media_image_unload(void);

#endif
