# syntax=docker/dockerfile:1

# The logpulse binary. docker-compose.yml runs one container per stage with a
# different command; cmd/logpulse/dockerfile_test.go checks this file against it.

# Build on the build host's platform and cross-compile: a pure-Go binary needs
# no emulation to target another architecture (docker buildx --platform).
# The tag pins the Go release go.mod names: the image sets GOTOOLCHAIN=local,
# so an older Go refuses the module rather than downloading a newer one.
FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS build
WORKDIR /src
# Modules first, so this layer is reused until go.mod or go.sum change.
# third_party/kfake is a patched module go.mod replaces (see its PATCHES.md);
# go mod download reads its go.mod.
COPY go.mod go.sum ./
COPY third_party/ third_party/
RUN go mod download
COPY . .
ARG TARGETOS TARGETARCH
# What `logpulse version` reports. .dockerignore keeps .git out of the build
# context, so the toolchain cannot stamp the revision itself; pass them:
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#                --build-arg REVISION=$(git rev-parse HEAD) .
ARG VERSION=
ARG REVISION=
# CGO_ENABLED=0: a static binary, so the musl-based run stage needs no libc.
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w -X main.linkedVersion=${VERSION} -X main.linkedRevision=${REVISION}" -o /out/logpulse ./cmd/logpulse

# busybox rather than distroless: compose's health check of `serve` needs an
# HTTP client inside the container (busybox wget), and distroless has none.
# It costs about a megabyte.
FROM busybox:1.37-musl
# A non-root user, and a working directory it may write to: `logpulse run`
# and `logpulse broker` keep their data in ./logpulse-data by default.
RUN adduser -D -H -u 10001 logpulse && mkdir /data && chown 10001:10001 /data
# CA certificates for --tls to a Kafka whose certificates a public CA
# signed (managed services); busybox ships no CA bundle.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/logpulse /logpulse
USER 10001:10001
WORKDIR /data
EXPOSE 8080
ENTRYPOINT ["/logpulse"]
