# Builds the servicepulse binary into a small image (used by docker-compose.yml).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /servicepulse ./cmd/servicepulse

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates wget tzdata && rm -rf /var/lib/apt/lists/*
COPY --from=build /servicepulse /usr/local/bin/servicepulse
ENTRYPOINT ["servicepulse"]
